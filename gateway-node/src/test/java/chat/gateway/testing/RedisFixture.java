package chat.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * The Redis every Redis test uses, started once per test JVM: {@code REDIS_URL} if set, else a
 * {@code redis:7} container when Docker is available, else a {@code redis-server} from PATH on a free
 * port. With none of these, tests fail with a message naming the three ways to fix it.
 *
 * <p>Fault tests pause Redis and restart it empty. A local process gets real signals (SIGSTOP/SIGCONT,
 * kill -9 and a fresh start on the same port); a container or an external Redis gets the nearest
 * equivalents through commands (CLIENT PAUSE; FLUSHALL and CLIENT KILL).
 */
public final class RedisFixture implements RedisAdmin {
  private static RedisFixture instance;

  private final String host;
  private final int port;
  private final String source;
  private Process process;

  private RedisFixture(String host, int port, String source, Process process) {
    this.host = host;
    this.port = port;
    this.source = source;
    this.process = process;
  }

  public static synchronized RedisFixture get() {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  public String url() {
    return "redis://" + host + ":" + port;
  }

  /**
   * The settings a node needs to reach this Redis: REDIS_URL, and the gateway user where this Redis runs
   * with the project's users (a local one; a container or REDIS_URL has only its default user).
   */
  public java.util.Map<String, String> nodeSettings() {
    java.util.Map<String, String> settings = new java.util.HashMap<>(local() ? RedisUsers.nodeSettings() : java.util.Map.of());
    settings.put("REDIS_URL", url());
    return settings;
  }

  /** Where this Redis came from: env, container or local. */
  public String source() {
    return source;
  }

  public boolean local() {
    return source.equals("local");
  }

  private static RedisFixture start() {
    String env = System.getenv("REDIS_URL");
    if (env != null && !env.isBlank()) {
      java.net.URI uri = java.net.URI.create(env);
      return new RedisFixture(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort(), "env", null);
    }
    if (dockerAvailable()) {
      GenericContainer<?> redis = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
      redis.start();
      return new RedisFixture(redis.getHost(), redis.getMappedPort(6379), "container", null);
    }
    String server = onPath("redis-server");
    if (server != null) {
      int port = freePort();
      RedisFixture fixture = new RedisFixture("127.0.0.1", port, "local", startLocal(server, port));
      LocalRedis.removeAtExit(dataDir(port), () -> List.of(fixture.process));
      return fixture;
    }
    throw new IllegalStateException("These tests need Redis 7. Either set REDIS_URL=redis://host:port, or run a "
        + "Docker engine (Testcontainers starts redis:7-alpine), or install redis-server on PATH "
        + "(Debian: apt-get install redis-server; .ci/run does this).");
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) {
      return false;
    }
  }

  private static String onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  /** Where a local Redis keeps the snapshot {@link #restart} saves (one directory per port). */
  private static Path dataDir(int port) {
    try {
      return Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "chat-test-redis-" + port));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Process startLocal(String server, int port) {
    try {
      Process process = new ProcessBuilder(server, RedisUsers.dataNode(dataDir(port)).toString(),
          "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", dataDir(port).toString())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      LocalRedis.awaitAnswer(port);
      return process;
    } catch (IOException e) {
      throw new IllegalStateException("could not start " + server, e);
    }
  }

  /** Stops Redis answering for {@code millis} (SIGSTOP then SIGCONT; CLIENT PAUSE elsewhere). Returns at once. */
  public void pause(long millis) {
    if (local()) {
      signal("STOP");
      Thread resume = new Thread(() -> {
        try {
          Thread.sleep(millis); // the length of the simulated outage, not synchronisation
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        signal("CONT");
      });
      resume.setDaemon(true);
      resume.start();
    } else {
      call("CLIENT", "PAUSE", Long.toString(millis), "ALL");
    }
  }

  /**
   * Redis goes away for {@code downMillis} and comes back on the same address with its data (SHUTDOWN
   * SAVE and a start that loads the snapshot; every client connection dropped elsewhere).
   */
  public synchronized void restart(long downMillis) {
    if (local()) {
      call("SHUTDOWN", "SAVE"); // answers nothing: the connection ends as Redis exits
      comeBackAfter(downMillis);
    } else {
      dropClients();
    }
  }

  /**
   * Redis goes away for {@code downMillis} and comes back on the same address with no data (kill -9 and a
   * fresh start; FLUSHALL and dropped connections elsewhere).
   */
  public synchronized void restartEmpty(long downMillis) {
    if (local()) {
      process.destroyForcibly();
      try {
        Files.deleteIfExists(dataDir(port).resolve("dump.rdb"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      comeBackAfter(downMillis);
    } else {
      call("FLUSHALL");
      dropClients();
    }
  }

  /** Waits for the local Redis to exit, stays away {@code downMillis}, and starts it again on the same port. */
  private void comeBackAfter(long downMillis) {
    try {
      process.waitFor(10, TimeUnit.SECONDS);
      Thread.sleep(downMillis); // the length of the simulated outage, not synchronisation
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = startLocal(onPath("redis-server"), port);
  }

  private void dropClients() {
    call("CLIENT", "KILL", "TYPE", "pubsub");
    call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
  }

  private void signal(String signal) {
    try {
      new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("kill -" + signal + " failed", e);
    }
  }

  @Override
  public Object call(String... args) {
    return Resp.call(host, port, args);
  }

  /** A number of {@code INFO}, e.g. {@code total_net_output_bytes}. */
  public long info(String section, String field) {
    return Resp.info(host, port, section, field).map(Long::parseLong)
        .orElseThrow(() -> new IllegalStateException("INFO " + section + " has no " + field));
  }

  /** How many times Redis ran {@code command} since it started ({@code INFO commandstats}). */
  public long calls(String command) {
    // cmdstat_smembers:calls=3,usec=...
    return Resp.info(host, port, "commandstats", "cmdstat_" + command.toLowerCase(java.util.Locale.ROOT))
        .map(v -> Long.parseLong(v.substring("calls=".length(), v.indexOf(',')))).orElse(0L);
  }

  /** A command whose reply is an array of strings (KEYS, SMEMBERS), and the strings. */
  public List<String> strings(String... args) {
    return ((List<?>) call(args)).stream().map(String::valueOf).toList();
  }

  /** A command whose reply is an integer (SCARD, PTTL, EXISTS). */
  public long number(String... args) {
    Object reply = call(args);
    if (!(reply instanceof Long n)) {
      throw new IllegalStateException(String.join(" ", args) + " answered " + reply);
    }
    return n;
  }


  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
