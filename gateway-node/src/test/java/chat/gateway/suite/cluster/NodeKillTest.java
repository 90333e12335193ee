package chat.gateway.suite.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.message.Position;
import chat.gateway.testing.Await;
import chat.gateway.testing.NodeProcess;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.protocol.CloseCode;
import chat.protocol.client.ChatClient;
import chat.protocol.client.ClientOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of one of three node processes while 300 clients exchange group messages at a steady rate:
 * its clients reconnect to the other nodes and resume, every acked message reaches every member once and
 * in order, and the dead node's sessions leave the registry within its TTL.
 */
class NodeKillTest {
  private static final int CLIENTS = 300;
  private static final int GROUPS = 10;

  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<ChatClient> clients = new ArrayList<>();
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() {
    clients.forEach(c -> c.shutdown());
    nodes.forEach(NodeProcess::close);
    Await.result(vertx.close());
  }

  /** Per client: what it received, by id, in arrival order (repeats already dropped by the client). */
  private record Seen(List<String> ids, Map<String, Position> last, AtomicBoolean disorder) {
  }

  @Test
  void killingANodeLosesNoAckedMessage() {
    String prefix = TestNode.newPrefix();
    for (int i = 1; i <= 3; i++) {
      Map<String, String> env = new java.util.HashMap<>(RedisFixture.get().nodeSettings());
      env.putAll(Map.of("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-" + i, "EVENT_LOOPS", "1", "NODE_TTL", "3s",
          "CANARY_INTERVAL", "300ms", "RATE_LIMIT_BURST", "1000", "API_KEY", TestNode.API_KEY));
      nodes.add(NodeProcess.start(env));
    }
    Map<ChatClient, Seen> seen = new ConcurrentHashMap<>();
    Map<ChatClient, Integer> groupOf = new ConcurrentHashMap<>();
    List<Future<?>> joins = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      NodeProcess node = nodes.get(i % 3);
      ChatClient client = new ChatClient(vertx, new ClientOptions().host("127.0.0.1").port(node.port())
          .user("u" + i).device("d"));
      Seen record = new Seen(new CopyOnWriteArrayList<>(), new ConcurrentHashMap<>(), new AtomicBoolean());
      client.onMessage(m -> {
        Position p = Position.parse(m.position());
        Position before = record.last().put(m.channel(), p);
        if (before != null && before.sameEpoch(p) && p.compareTo(before) <= 0) {
          record.disorder().set(true);
        }
        record.ids().add(m.id());
      });
      clients.add(client);
      seen.put(client, record);
      groupOf.put(client, i % GROUPS);
      String group = "group/g" + (i % GROUPS);
      joins.add(client.connect().compose(c -> client.join(group)));
    }
    Await.result(Future.all(joins));

    // If a node dies (gw-2 will), its clients move to one of the others and resume.
    AtomicInteger moved = new AtomicInteger();
    for (ChatClient client : clients) {
      client.onClose((code, reason) -> {
        if (!CloseCode.shouldReconnect(code)) {
          return;
        }
        NodeProcess target = nodes.get(moved.incrementAndGet() % 2 == 0 ? 0 : 2);
        client.moveTo("127.0.0.1", target.port());
        vertx.setTimer(50 + (long) (Math.random() * 200), id -> reconnect(client));
      });
    }

    // One sender per group, every 100 ms; the senders of g1, g4, g7 are on the node that will die.
    Map<Integer, List<String>> acked = new ConcurrentHashMap<>();
    AtomicBoolean sending = new AtomicBoolean(true);
    AtomicInteger sent = new AtomicInteger();
    long timer = vertx.setPeriodic(100, id -> {
      if (!sending.get()) {
        return;
      }
      for (int g = 0; g < GROUPS; g++) {
        int group = g;
        ChatClient sender = clients.get(g);
        acked.computeIfAbsent(group, k -> new CopyOnWriteArrayList<>());
        sender.send("group/g" + group, new JsonObject().put("n", sent.incrementAndGet()))
            .onSuccess(ack -> acked.get(group).add(ack.id()));
      }
    });
    Await.until("traffic before the kill", () -> sent.get() >= 200);
    nodes.get(1).kill();
    Await.until("traffic after the kill", () -> sent.get() >= 600);
    sending.set(false);
    vertx.cancelTimer(timer);
    Await.until("every sender got every ack", () -> clients.subList(0, GROUPS).stream()
        .allMatch(c -> c.unackedCount() == 0));

    for (ChatClient client : clients) {
      List<String> expected = acked.get(groupOf.get(client));
      Seen record = seen.get(client);
      Await.until("u" + clients.indexOf(client) + " has every acked message of its group",
          () -> record.ids().containsAll(expected));
      assertEquals(Set.copyOf(record.ids()).size(), record.ids().size(), "exactly once after dedupe by id");
      assertTrue(!record.disorder().get(), "in position order");
    }
    assertTrue(acked.values().stream().mapToInt(List::size).sum() >= 590, "sends were acked throughout");

    Await.until("the dead node's sessions left the registry",
        () -> RedisFixture.get().number("HLEN", prefix + "node-sessions:gw-2") == 0);
    Await.until("the dead node left /api/cluster", () -> clusterNodes(nodes.get(0)).equals(List.of("gw-1", "gw-3")));
    for (NodeProcess survivor : List.of(nodes.get(0), nodes.get(2))) {
      assertEquals(0.0, sessionsClosed(survivor), "a survivor closes none of its sessions while the dead node's move in");
    }
  }

  /** Sessions a node closed itself, of any close code (chat_closes_total). */
  private static double sessionsClosed(NodeProcess node) {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + node.managementPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      return response.body().lines().filter(l -> l.startsWith("chat_closes_total{"))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    } catch (Exception e) {
      throw new AssertionError("no metrics from node on " + node.managementPort(), e);
    }
  }

  private void reconnect(ChatClient client) {
    client.reconnect().onFailure(e -> vertx.setTimer(200, id -> reconnect(client)));
  }

  private static List<String> clusterNodes(NodeProcess node) {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + node.port() + "/api/cluster"))
          .header("Authorization", "Bearer " + TestNode.API_KEY).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(response.body()).getJsonArray("nodes").stream()
          .map(n -> ((JsonObject) n).getString("id")).toList();
    } catch (Exception e) {
      return List.of();
    }
  }
}
