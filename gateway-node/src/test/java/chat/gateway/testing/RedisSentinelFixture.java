package chat.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Redis primary with one replica under three sentinels (master name {@code mymaster}, down after 1 s), from
 * {@code redis-server} on PATH, started once per test JVM on free loopback ports. A test that fails the
 * primary puts it back ({@link #restore}) as a replica of the one Sentinel promoted.
 */
public final class RedisSentinelFixture implements RedisAdmin {
  public static final String MASTER = "mymaster";
  private static final String HOST = LocalRedis.HOST;
  private static RedisSentinelFixture instance;

  private final Path dir;
  /** The two data nodes by port: which is primary changes with failovers. */
  private final Map<Integer, Process> data = new LinkedHashMap<>();
  private final Map<Integer, Process> sentinels = new LinkedHashMap<>();

  private RedisSentinelFixture(Path dir) {
    this.dir = dir;
  }

  public static synchronized RedisSentinelFixture get() {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  /** {@code host:port,...} of the sentinels: a node's {@code REDIS_SENTINELS}. */
  public String sentinels() {
    return String.join(",", sentinels.keySet().stream().map(p -> HOST + ":" + p).toList());
  }

  private static RedisSentinelFixture start() {
    try {
      RedisSentinelFixture f = new RedisSentinelFixture(Files.createTempDirectory("chat-test-sentinel"));
      int primary = f.freePort();
      f.data.put(primary, null);
      int replica = f.freePort();
      f.data.put(primary, f.launchData(primary, null));
      f.data.put(replica, f.launchData(replica, primary));
      awaitAnswer(primary);
      awaitAnswer(replica);
      for (int i = 0; i < 3; i++) {
        int port = f.freePort();
        f.sentinels.put(port, f.launchSentinel(port, primary));
        awaitAnswer(port);
      }
      f.awaitHealthy();
      LocalRedis.removeAtExit(f.dir,
          () -> Stream.concat(f.sentinels.values().stream(), f.data.values().stream()).toList());
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException("Sentinel tests need redis-server on PATH", e);
    }
  }

  private Process launchData(int port, Integer replicaOf) throws IOException {
    Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
    List<String> args = new ArrayList<>(List.of(RedisUsers.dataNode(nodeDir).toString(), "--port", Integer.toString(port), "--bind", HOST,
        "--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", nodeDir.toString()));
    if (replicaOf != null) {
      args.addAll(List.of("--replicaof", HOST, Integer.toString(replicaOf)));
    }
    return LocalRedis.launch(args, nodeDir.resolve("redis.log"));
  }

  private Process launchSentinel(int port, int primary) throws IOException {
    Path nodeDir = Files.createDirectories(dir.resolve("sentinel-" + port));
    Path conf = nodeDir.resolve("sentinel.conf");
    Files.writeString(conf, String.join("\n",
        "port " + port, "bind " + HOST, "protected-mode no", "dir " + nodeDir,
        "sentinel monitor " + MASTER + " " + HOST + " " + primary + " 2",
        "sentinel down-after-milliseconds " + MASTER + " 1000",
        "sentinel failover-timeout " + MASTER + " 5000",
        "sentinel parallel-syncs " + MASTER + " 1", RedisUsers.sentinel(nodeDir, MASTER)));
    return LocalRedis.launch(List.of(conf.toString(), "--sentinel"), nodeDir.resolve("sentinel.log"));
  }

  private int freePort() throws IOException {
    java.util.Set<Integer> taken = new java.util.HashSet<>(data.keySet());
    taken.addAll(sentinels.keySet());
    return LocalRedis.freePort(taken, false);
  }

  private static void awaitAnswer(int port) {
    LocalRedis.awaitAnswer(port);
  }

  /** The port of the primary, as the sentinels name it. */
  public int primary() {
    List<?> reply = (List<?>) Resp.call(HOST, liveSentinel(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER);
    return Integer.parseInt((String) reply.get(1));
  }

  @Override
  public Object call(String... args) {
    return Resp.call(HOST, primary(), args);
  }

  /** kill -9 of the primary; returns its port. */
  public synchronized int killPrimary() {
    int port = primary();
    data.get(port).destroyForcibly();
    try {
      data.get(port).waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return port;
  }

  /** Waits until the sentinels name another primary than {@code oldPort}, and it serves writes. */
  public int awaitFailover(int oldPort) {
    int[] now = {-1};
    Await.until(Duration.ofSeconds(30), "Sentinel promotes the replica of " + oldPort, () -> {
      now[0] = primary();
      return now[0] != oldPort && ((String) Resp.call(HOST, now[0], "INFO", "replication")).contains("role:master");
    });
    return now[0];
  }

  /** Starts a killed node again (Sentinel makes it a replica) and waits for replication to run. */
  public synchronized void restore() {
    for (Map.Entry<Integer, Process> e : data.entrySet()) {
      if (!e.getValue().isAlive()) {
        try {
          e.setValue(launchData(e.getKey(), primary()));
        } catch (IOException ex) {
          throw new UncheckedIOException(ex);
        }
        awaitAnswer(e.getKey());
      }
    }
    awaitHealthy();
  }

  private void awaitHealthy() {
    Await.until(Duration.ofSeconds(60), "primary, replica and sentinels agree", () -> {
      int primary;
      try {
        primary = primary();
      } catch (RuntimeException e) {
        return false;
      }
      String replication = (String) Resp.call(HOST, primary, "INFO", "replication");
      if (!replication.contains("role:master") || !replication.contains("connected_slaves:1")) {
        return false;
      }
      for (int port : data.keySet()) {
        if (port != primary && !((String) Resp.call(HOST, port, "INFO", "replication")).contains("master_link_status:up")) {
          return false;
        }
      }
      for (int port : sentinels.keySet()) {
        List<?> master = (List<?>) Resp.call(HOST, port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER);
        if (master == null || Integer.parseInt((String) master.get(1)) != primary) {
          return false;
        }
        List<?> fields = (List<?>) Resp.call(HOST, port, "SENTINEL", "MASTER", MASTER);
        Map<Object, Object> master2 = new java.util.HashMap<>();
        for (int i = 0; i + 1 < fields.size(); i += 2) {
          master2.put(fields.get(i), fields.get(i + 1));
        }
        if (!"1".equals(master2.get("num-slaves")) || !"master".equals(master2.get("flags"))) {
          return false;
        }
      }
      return true;
    });
  }

  private int liveSentinel() {
    for (Map.Entry<Integer, Process> e : sentinels.entrySet()) {
      if (e.getValue().isAlive()) {
        return e.getKey();
      }
    }
    throw new IllegalStateException("no sentinel running");
  }
}
