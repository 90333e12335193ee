package chat.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of 3 primaries with a replica each, from {@code redis-server} and {@code redis-cli} on PATH,
 * started once per test JVM on free loopback ports ({@code cluster-node-timeout} 2 s). Tests that fail a primary
 * or migrate a slot put the cluster back whole ({@link #restore}) for the next.
 */
public final class RedisClusterFixture implements RedisAdmin {
  private static final String HOST = LocalRedis.HOST;
  private static final int NODES = 6;
  private static RedisClusterFixture instance;

  private final Path dir;
  private final Map<Integer, Process> processes = new LinkedHashMap<>();

  private RedisClusterFixture(Path dir) {
    this.dir = dir;
  }

  public static synchronized RedisClusterFixture get() {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  /** {@code host:port,...} of every node: a node's {@code REDIS_CLUSTER_NODES}. */
  public String seeds() {
    return String.join(",", processes.keySet().stream().map(p -> HOST + ":" + p).toList());
  }

  public List<Integer> ports() {
    return List.copyOf(processes.keySet());
  }

  private static RedisClusterFixture start() {
    try {
      RedisClusterFixture cluster = new RedisClusterFixture(Files.createTempDirectory("chat-test-cluster"));
      List<String> addresses = new ArrayList<>();
      for (int i = 0; i < NODES; i++) {
        int port = LocalRedis.freePort(cluster.processes.keySet(), true);
        cluster.processes.put(port, cluster.launch(port));
        addresses.add(HOST + ":" + port);
      }
      for (int port : cluster.processes.keySet()) {
        awaitAnswer(port);
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--user", RedisUsers.ADMIN, "--cluster", "create"));
      create.addAll(addresses);
      create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
      ProcessBuilder builder = new ProcessBuilder(create).redirectErrorStream(true);
      builder.environment().put("REDISCLI_AUTH", RedisUsers.ADMIN_PASSWORD);
      Process p = builder.start();
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("redis-cli --cluster create failed:\n" + output);
      }
      cluster.awaitHealthy();
      LocalRedis.removeAtExit(cluster.dir, () -> List.copyOf(cluster.processes.values()));
      return cluster;
    } catch (IOException e) {
      throw new UncheckedIOException("a Redis Cluster needs redis-server and redis-cli on PATH", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Process launch(int port) throws IOException {
    Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
    return LocalRedis.launch(List.of(RedisUsers.dataNode(nodeDir).toString(), "--port", Integer.toString(port), "--bind", HOST,
        "--cluster-enabled", "yes", "--cluster-config-file", nodeDir.resolve("nodes.conf").toString(),
        "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no", "--protected-mode", "no",
        "--dir", nodeDir.toString()), nodeDir.resolve("redis.log"));
  }

  private static void awaitAnswer(int port) {
    LocalRedis.awaitAnswer(port);
  }

  // ---- looking ------------------------------------------------------------------------------------------

  /** CLUSTER KEYSLOT, as Redis computes it. */
  public int slot(String key) {
    return ((Long) Resp.call(HOST, livePort(), "CLUSTER", "KEYSLOT", key)).intValue();
  }

  /** The port of the primary serving {@code slot}, as a live node sees it; -1 if none. */
  public int primaryOf(int slot) {
    return primaryOf(slot, livePort());
  }

  private int primaryOf(int slot, int askPort) {
    Object reply = Resp.call(HOST, askPort, "CLUSTER", "SLOTS");
    for (Object range : (List<?>) reply) {
      List<?> r = (List<?>) range;
      if (slot >= (Long) r.get(0) && slot <= (Long) r.get(1)) {
        return ((Long) ((List<?>) r.get(2)).get(1)).intValue();
      }
    }
    return -1;
  }

  /** The primaries, by port. */
  public List<Integer> primaries() {
    List<Integer> primaries = new ArrayList<>();
    for (Object range : (List<?>) Resp.call(HOST, livePort(), "CLUSTER", "SLOTS")) {
      int port = ((Long) ((List<?>) ((List<?>) range).get(2)).get(1)).intValue();
      if (!primaries.contains(port)) {
        primaries.add(port);
      }
    }
    return primaries;
  }

  /** A command on the primary that serves its key ({@code args[1]}), following MOVED; its reply. */
  @Override
  public Object call(String... args) {
    int port = primaryOf(slot(args[1]));
    Object reply = Resp.call(HOST, port, args);
    if (reply instanceof Resp.Error e && (e.message().startsWith("MOVED") || e.message().startsWith("ASK"))) {
      String target = e.message().split(" ")[2];
      int moved = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
      return e.message().startsWith("ASK") ? askingCall(moved, args) : Resp.call(HOST, moved, args);
    }
    return reply;
  }

  private Object askingCall(int port, String... args) {
    // ASKING must precede the command on the same connection: a one-off MULTI is not allowed across slots,
    // so run it as a script on the target (keys of the migrating slot are importable there with ASKING)
    List<String> eval = new ArrayList<>(List.of("EVAL", "redis.call('ASKING') return redis.call(unpack(ARGV))", "0"));
    eval.addAll(List.of(args));
    return Resp.call(HOST, port, eval.toArray(String[]::new));
  }

  private int livePort() {
    for (Map.Entry<Integer, Process> e : processes.entrySet()) {
      if (e.getValue().isAlive()) {
        return e.getKey();
      }
    }
    throw new IllegalStateException("no node of the test cluster is running");
  }

  // ---- failing ------------------------------------------------------------------------------------------

  /** kill -9 of the node on {@code port}; returns at once. */
  public synchronized void kill(int port) {
    processes.get(port).destroyForcibly();
    try {
      processes.get(port).waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until a replica has taken over {@code slot} from the primary on {@code oldPort}; the new primary's port. */
  public int awaitFailover(int slot, int oldPort) {
    int[] now = {-1};
    Await.until(java.time.Duration.ofSeconds(30), "a replica takes over slot " + slot + " from " + oldPort, () -> {
      now[0] = primaryOf(slot);
      return now[0] != -1 && now[0] != oldPort && clusterOk(now[0]);
    });
    return now[0];
  }

  /**
   * Moves {@code slot}, keys and all, to the primary on {@code toPort} (CLUSTER SETSLOT IMPORTING/MIGRATING,
   * MIGRATE in batches of {@code batch} keys with {@code pauseMillis} between them, then SETSLOT NODE
   * everywhere), as {@code redis-cli --cluster reshard} does.
   */
  public void migrate(int slot, int toPort, int batch, long pauseMillis) {
    int fromPort = primaryOf(slot);
    String fromId = myId(fromPort);
    String toId = myId(toPort);
    ok(Resp.call(HOST, toPort, "CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", fromId));
    ok(Resp.call(HOST, fromPort, "CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", toId));
    while (true) {
      List<?> keys = (List<?>) Resp.call(HOST, fromPort, "CLUSTER", "GETKEYSINSLOT", Integer.toString(slot),
          Integer.toString(batch));
      if (keys.isEmpty()) {
        break;
      }
      List<String> migrate = new ArrayList<>(List.of("MIGRATE", HOST, Integer.toString(toPort), "", "0", "5000",
          "AUTH2", RedisUsers.ADMIN, RedisUsers.ADMIN_PASSWORD, "KEYS"));
      keys.forEach(k -> migrate.add((String) k));
      ok(Resp.call(HOST, fromPort, migrate.toArray(String[]::new)));
      pause(pauseMillis);
    }
    for (int port : processes.keySet()) {
      if (processes.get(port).isAlive() && isPrimary(port)) {
        ok(Resp.call(HOST, port, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", toId));
      }
    }
  }

  /** Brings back every killed node (as a replica) and waits for the cluster to be whole and agreed. */
  public synchronized void restore() {
    for (Map.Entry<Integer, Process> e : processes.entrySet()) {
      if (!e.getValue().isAlive()) {
        try {
          e.setValue(launch(e.getKey()));
        } catch (IOException ex) {
          throw new UncheckedIOException(ex);
        }
        awaitAnswer(e.getKey());
      }
    }
    awaitHealthy();
  }

  private void awaitHealthy() {
    Await.until(java.time.Duration.ofSeconds(60), "the test cluster is whole", () -> {
      for (int port : processes.keySet()) {
        if (!clusterOk(port)) {
          return false;
        }
        // every node knows 3 primaries with a replica each
        int primaries = 0;
        int replicas = 0;
        for (String line : ((String) Resp.call(HOST, port, "CLUSTER", "NODES")).split("\n")) {
          if (line.contains("fail") || line.contains("handshake")) {
            return false;
          }
          if (line.contains("master")) {
            primaries++;
          } else if (line.contains("slave")) {
            replicas++;
          }
        }
        if (primaries != 3 || replicas != 3) {
          return false;
        }
        // and replication runs: a replica has synced (acks are WAITed for)
        String replication = (String) Resp.call(HOST, port, "INFO", "replication");
        if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
          return false;
        }
        if (replication.contains("role:master") && !replication.contains("connected_slaves:1")) {
          return false;
        }
      }
      return true;
    });
  }

  private boolean clusterOk(int port) {
    try {
      return ((String) Resp.call(HOST, port, "CLUSTER", "INFO")).contains("cluster_state:ok");
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private boolean isPrimary(int port) {
    return ((String) Resp.call(HOST, port, "INFO", "replication")).contains("role:master");
  }

  private static String myId(int port) {
    return (String) Resp.call(HOST, port, "CLUSTER", "MYID");
  }

  private static void ok(Object reply) {
    if (reply instanceof Resp.Error e) {
      throw new IllegalStateException(e.message());
    }
  }

  private static void pause(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis); // pacing a migration, as an operator's tool does: not synchronisation
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
