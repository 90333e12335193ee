package chat.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A small version of every scenario against the local cluster (scripts/cluster.sh: Redis, 3 nodes,
 * HAProxy), with workers in separate processes so the merge across processes is exercised. Each run must
 * lose no acked message, deliver none twice or out of order, and reach every connection. The storms come
 * last: a drained node and then a killed one leave one node for the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScenariosIT {
  private static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();
  private static final Path RESULTS = REPO.resolve("load-tester/target/scenarios");
  private static final Map<String, String> ENV = new java.util.HashMap<>();
  private static String url;
  private static String tlsUrl;
  private static int mgmtPort;

  @BeforeAll
  static void up() throws Exception {
    // Below the ephemeral port range (32768 and up, also after bench/setup-machine.sh), so no outgoing
    // connection holds a port the cluster is about to bind; apart from LocalClusterIT's 21000-28999.
    int base = 10000 + ThreadLocalRandom.current().nextInt(80) * 100;
    mgmtPort = base + 20;
    url = "ws://127.0.0.1:" + base + "/ws";
    tlsUrl = "wss://127.0.0.1:" + (base + 8) + "/ws";
    ENV.putAll(Map.of("CLUSTER_DIR", RESULTS.resolve("cluster").toString(), "CLUSTER_PORT", Integer.toString(base),
        "CLUSTER_STATS_PORT", Integer.toString(base + 1), "CLUSTER_REDIS_PORT", Integer.toString(base + 2),
        "CLUSTER_NODE_PORT", Integer.toString(base + 10), "CLUSTER_MGMT_PORT", Integer.toString(mgmtPort),
        "CLUSTER_TLS_PORT", Integer.toString(base + 8),
        "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "JAVA_OPTS", "-Xmx512m",
        // Members of a drained node reconnect within its window; short, so the run's tail stays short.
        "DRAIN_WINDOW", "2s"));
    // Clients take a connection silent for two heartbeats for dead: short, so a paused node's are noticed soon.
    ENV.put("HEARTBEAT", "3s");
    // As in bench/: the load comes from 8 source addresses, past HAProxy's per-source connection rate and count, and a
    // synthetic sender of a storm resends its whole backlog at once, past the per-connection frame rate.
    ENV.put("CONN_CUR", "1000000");
    ENV.putAll(Map.of("CONN_RATE", "1000000", "RATE_LIMIT_PER_SECOND", "1000", "RATE_LIMIT_BURST", "1000"));
    cluster("down");
    assertEquals(0, cluster("up", "--nodes", "3"), "scripts/cluster.sh up failed; logs in " + RESULTS);
  }

  @AfterAll
  static void down() throws Exception {
    cluster("down");
  }

  /**
   * A connection storm into the freshly started cluster: thousands of clients connecting and joining as fast
   * as they are let in. No session may be closed by a server and no request answered internal; what a busy
   * node refuses (503 with Retry-After, or unavailable) the clients retry.
   */
  @Test
  @Order(0)
  void aColdRampIntoAFreshClusterClosesNothing() throws Exception {
    JsonObject r = run("fanout", "--connections", "3000", "--groups", "30", "--rate", "30", "--seconds", "5",
        "--ramp", "1500");
    assertEquals(new JsonObject(), r.getJsonObject("rampCloses"), "no session closed while ramping: " + r.encode());
    assertEquals(0, r.getLong("unexpectedCloses"), r.encode());
    assertTrue(r.getJsonObject("sendErrors").fieldNames().stream().noneMatch(code -> code.contains("internal")),
        "nothing answered internal: " + r.encode());
  }

  @Test
  @Order(1)
  void idleConnectionsStayOpen() throws Exception {
    JsonObject r = run("idle", "--connections", "2000", "--seconds", "10");
    assertEquals(0, r.getLong("unexpectedCloses"), r.encodePrettily());
  }

  @Test
  @Order(2)
  void groupFanOut() throws Exception {
    JsonObject r = run("fanout", "--connections", "2000", "--groups", "20", "--rate", "100", "--seconds", "10");
    assertEquals(2000 / 20 * r.getLong("acked"), r.getLong("deliveries"), "every member got every message");
  }

  /** The same over wss:// through HAProxy's TLS listener, trusting the cluster's self-signed certificate only. */
  @Test
  @Order(3)
  void groupFanOutOverTls() throws Exception {
    JsonObject r = run("fanout", "--connections", "500", "--groups", "10", "--rate", "50", "--seconds", "5",
        "--url", tlsUrl, "--ca-file", RESULTS.resolve("cluster/edge.crt").toString());
    assertEquals(500 / 10 * r.getLong("acked"), r.getLong("deliveries"), "every member got every message");
  }

  @Test
  @Order(4)
  void directMessages() throws Exception {
    JsonObject r = run("dm", "--connections", "1000", "--rate", "200", "--seconds", "10");
    assertEquals(2 * r.getLong("acked"), r.getLong("deliveries"), "recipient and sender copies");
  }

  @Test
  @Order(5)
  void broadcast() throws Exception {
    JsonObject r = run("broadcast", "--connections", "1000", "--rate", "10", "--seconds", "10");
    assertEquals(1000 * r.getLong("acked"), r.getLong("deliveries"));
  }

  @Test
  @Order(6)
  void stormWhenANodeDrains() throws Exception {
    JsonObject r = run("storm", "--connections", "1500", "--groups", "15", "--rate", "100", "--seconds", "15",
        "--storm-at", "5", "--storm-drain", "http://127.0.0.1:" + (mgmtPort + 1) + "/admin/drain");
    assertTrue(r.getJsonObject("closes").getLong("4100", 0L) > 0, "the drained node's clients moved: " + r.encode());
  }

  /**
   * A node frozen for 15 s (SIGSTOP, then SIGCONT): HAProxy keeps its clients' connections open, so only their
   * silence tells them (nothing for two 3 s heartbeats); they reconnect with resume, and lose nothing.
   */
  @Test
  @Order(7)
  void stormWhenANodeIsPaused() throws Exception {
    long pid = pidOf("gw-3"); // gw-2 was drained (it exited); gw-3 is killed after this
    JsonObject r = run("storm", "--connections", "1500", "--groups", "15", "--rate", "100", "--seconds", "25",
        "--storm-at", "5", "--storm-run", "kill -STOP " + pid + "; sleep 15; kill -CONT " + pid);
    assertTrue(r.getLong("silentReconnects") > 0, "the paused node's clients noticed the silence: " + r.encode());
  }

  @Test
  @Order(8)
  void stormWhenANodeIsKilled() throws Exception {
    JsonObject r = run("storm", "--connections", "1500", "--groups", "15", "--rate", "100", "--seconds", "15",
        "--storm-at", "5", "--storm-kill", Long.toString(pidOf("gw-3")));
    assertTrue(r.getLong("reconnects") > 0, "the killed node's clients reconnected: " + r.encode());
    assertTrue(r.getLong("lostConnections") > 0 && r.getDouble("lastBackSecondsAfterStorm") > 0,
        "the killed node's clients are counted back, and when the last came: " + r.encode());
  }

  /** Runs a scenario with 2 worker processes and checks what every scenario must hold. */
  private static JsonObject run(String scenario, String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("--scenario", scenario, "--url", url, "--ramp", "1000",
        "--per-worker", "1000", "--java-options", "-Xmx256m", "--warmup", "2", "--settle", "30",
        "--out", RESULTS.resolve(scenario + "-" + System.nanoTime()).toString(),
        "--watch", "redis=" + pidOf("redis") + ",haproxy=" + pidOf("haproxy")));
    args.addAll(List.of(options));
    Plan plan = Plan.parse(args.toArray(String[]::new));
    JsonObject r = LoadTest.run(plan, new PrintStream(System.out, true, StandardCharsets.UTF_8));
    assertEquals(plan.connections(), r.getLong("connectionsReached"), r.encodePrettily());
    assertEquals(0, r.getLong("lost"), "no acked message lost: " + r.encodePrettily());
    assertEquals(0, r.getLong("outOfOrder"), r.encodePrettily());
    assertEquals(0, r.getLong("unrecoveredChannels"), r.encodePrettily());
    assertEquals(r.getLong("sent"), r.getLong("acked"), "every send acked in the end: " + r.encodePrettily());
    assertEquals(r.getLong("lostConnections"), r.getJsonObject("backAfterLossMs").getLong("count"),
        "every connection lost while running came back: " + r.encodePrettily());
    assertTrue(Files.exists(plan.out().resolve("report.json")) && Files.exists(plan.out().resolve("summary.txt")));
    if (r.getLong("deliveries") > 0) {
      assertTrue(Files.size(plan.out().resolve("latency.png")) > 10_000, "the plot was drawn");
    }
    return r;
  }

  private static long pidOf(String name) throws IOException {
    return Files.readAllLines(RESULTS.resolve("cluster/pids")).stream()
        .filter(l -> l.startsWith(name + " ")).map(l -> Long.parseLong(l.split(" ")[1])).findFirst()
        .orElseThrow(() -> new IllegalStateException("no " + name + " in the cluster"));
  }

  private static int cluster(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", REPO.resolve("scripts/cluster.sh").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile()).inheritIO();
    builder.environment().putAll(ENV);
    Process p = builder.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("scripts/cluster.sh " + String.join(" ", args) + " timed out");
    }
    return p.exitValue();
  }
}
