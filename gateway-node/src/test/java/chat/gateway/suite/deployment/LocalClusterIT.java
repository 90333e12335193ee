package chat.gateway.suite.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.message.Position;
import chat.gateway.testing.Await;
import chat.gateway.testing.Tools;
import chat.protocol.CloseCode;
import chat.protocol.client.ChatClient;
import chat.protocol.client.ClientOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The local cluster as an operator runs it (scripts/cluster.sh: Redis, 3 gateway processes, HAProxy with
 * the shared config): clients chat through HAProxy across nodes; a drained node's clients move to the
 * others; a node killed -9 is marked down by HAProxy and its clients reconnect and resume; no acked
 * message is lost, repeated or reordered.
 */
class LocalClusterIT {
  private static final String API_KEY = "it-key-0123456789abcdef0123456789ab";
  private static final Map<String, String> ENV = new HashMap<>();
  private static int publicPort;
  private static int statsPort;
  private static int mgmtPort;
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void up() {
    int base = 21000 + ThreadLocalRandom.current().nextInt(80) * 100;
    publicPort = base;
    statsPort = base + 1;
    mgmtPort = base + 20;
    ENV.putAll(Map.of("CLUSTER_DIR", Tools.repo().resolve("gateway-node/target/cluster-it").toString(),
        "CLUSTER_PORT", Integer.toString(base), "CLUSTER_STATS_PORT", Integer.toString(statsPort),
        "CLUSTER_REDIS_PORT", Integer.toString(base + 2), "CLUSTER_NODE_PORT", Integer.toString(base + 10),
        "CLUSTER_MGMT_PORT", Integer.toString(mgmtPort), "CLUSTER_TLS_PORT", Integer.toString(base + 8), "API_KEY", API_KEY,
        "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "JAVA_OPTS", "-Xmx256m"));
    Tools.Result result = Tools.run(List.of("scripts/cluster.sh", "up", "--nodes", "3"), null, ENV);
    assertEquals(0, result.exit(), result.output());
  }

  @AfterAll
  static void down() {
    Tools.run(List.of("scripts/cluster.sh", "down"), null, ENV);
  }

  @Test
  void clientsChatThroughHaproxyAndSurviveADrainAndAKill() throws Exception {
    List<ChatClient> members = new ArrayList<>();
    Map<ChatClient, List<String>> seen = new ConcurrentHashMap<>();
    Map<ChatClient, Position> last = new ConcurrentHashMap<>();
    AtomicBoolean disorder = new AtomicBoolean();
    Set<String> nodes = ConcurrentHashMap.newKeySet();
    List<Future<?>> joined = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ChatClient client = client("m" + i);
      List<String> ids = new CopyOnWriteArrayList<>();
      seen.put(client, ids);
      client.onMessage(m -> {
        Position p = Position.parse(m.position());
        Position before = last.put(client, p);
        if (before != null && before.sameEpoch(p) && p.compareTo(before) <= 0) {
          disorder.set(true);
        }
        ids.add(m.id());
      });
      members.add(client);
      joined.add(client.connect().onSuccess(c -> nodes.add(c.node())).compose(c -> client.join("group/e2e")));
    }
    Await.result(Future.all(joined));
    assertEquals(Set.of("gw-1", "gw-2", "gw-3"), nodes, "HAProxy spreads clients over every node");

    ChatClient sender = client("sender");
    Await.result(sender.connect().compose(c -> sender.join("group/e2e")));
    List<String> acked = new CopyOnWriteArrayList<>();
    long timer = vertx.setPeriodic(50, id -> sender.send("group/e2e", new JsonObject().put("at", System.nanoTime()))
        .onSuccess(ack -> acked.add(ack.id())));

    Await.until("traffic", () -> acked.size() >= 20);
    assertEquals(202, post("http://127.0.0.1:" + (mgmtPort + 1) + "/admin/drain"));
    Await.until("HAProxy takes the drained gw-2 out", () -> serverState("gw-2").equals("DOWN"));
    Await.until("traffic after the drain", () -> acked.size() >= 60);

    kill9("gw-3");
    Await.until("HAProxy marks the killed gw-3 down", () -> serverState("gw-3").equals("DOWN"));
    Await.until("traffic after the kill", () -> acked.size() >= 100);
    vertx.cancelTimer(timer);
    Await.until("every send acked", () -> sender.unackedCount() == 0);

    for (ChatClient member : members) {
      Await.until("a member has every acked message", () -> seen.get(member).containsAll(acked));
      assertEquals(Set.copyOf(seen.get(member)).size(), seen.get(member).size(), "exactly once");
    }
    assertFalse(disorder.get(), "in position order");
    assertEquals("gw-1", Await.result(members.get(0).reconnect()).node(), "only gw-1 is left");

    String exporter = get("http://127.0.0.1:" + statsPort + "/metrics");
    for (String name : DeploymentFilesTest.dashboardMetrics("haproxy_")) {
      assertTrue(exporter.contains(name), "the dashboard's " + name + " is exported by HAProxy");
    }
    members.forEach(ChatClient::shutdown);
    sender.shutdown();
  }

  /** A client through HAProxy that reconnects (one loop at a time) whenever its connection ends. */
  private ChatClient client(String user) {
    ChatClient client = new ChatClient(vertx, new ClientOptions().host("127.0.0.1").port(publicPort).user(user)
        .device("it"));
    AtomicBoolean reconnecting = new AtomicBoolean();
    client.onClose((code, reason) -> {
      if (CloseCode.shouldReconnect(code) && reconnecting.compareAndSet(false, true)) {
        reconnect(client, reconnecting);
      }
    });
    return client;
  }

  private void reconnect(ChatClient client, AtomicBoolean reconnecting) {
    client.reconnect().onSuccess(c -> reconnecting.set(false))
        .onFailure(e -> vertx.setTimer(100 + ThreadLocalRandom.current().nextInt(200), id -> reconnect(client, reconnecting)));
  }

  private static void kill9(String node) throws IOException {
    for (String line : Files.readAllLines(Path.of(ENV.get("CLUSTER_DIR"), "pids"))) {
      String[] f = line.split(" ");
      if (f[0].equals(node)) {
        ProcessHandle.of(Long.parseLong(f[1])).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  private String serverState(String server) {
    for (String line : get("http://127.0.0.1:" + statsPort + "/stats;csv").split("\n")) {
      String[] f = line.split(",");
      if (f.length > 17 && f[0].equals("gateways") && f[1].equals(server)) {
        return f[17];
      }
    }
    return "absent";
  }

  private String get(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException | InterruptedException e) {
      return "";
    }
  }

  private int post(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }
}
