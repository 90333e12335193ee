package chat.gateway.testing;

import chat.gateway.app.Backends;
import chat.gateway.app.Gateway;
import chat.gateway.config.GatewayConfig;
import chat.protocol.client.ChatClient;
import chat.protocol.client.ClientOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A gateway node started in the test JVM on free ports, with a client-side Vert.x of its own, and
 * helpers to open probes and clients against it. Close it (try-with-resources or @AfterEach).
 */
public final class TestNode implements AutoCloseable {
  public static final String API_KEY = "test-api-key-0123456789abcdef0123";
  private static final java.util.concurrent.atomic.AtomicInteger PREFIXES = new java.util.concurrent.atomic.AtomicInteger();
  private enum Store { EMBEDDED, REDIS, REDIS_CLUSTER, REDIS_SENTINEL }

  private static volatile Store store = Store.EMBEDDED;

  /** Nodes started from now on run in cluster mode on {@link RedisFixture} (each with its own key prefix). */
  public static void useRedis(boolean on) {
    store = on ? Store.REDIS : Store.EMBEDDED;
  }

  /** Nodes started from now on follow the primary of {@link RedisSentinelFixture} through its sentinels. */
  public static void useRedisSentinel(boolean on) {
    store = on ? Store.REDIS_SENTINEL : Store.EMBEDDED;
  }

  /** Nodes started from now on run on the Redis Cluster of {@link RedisClusterFixture}. */
  public static void useRedisCluster(boolean on) {
    store = on ? Store.REDIS_CLUSTER : Store.EMBEDDED;
  }

  /** What a node needs to reach the store nodes started now use (nothing embedded); no key prefix. */
  public static Map<String, String> storeSettings() {
    Map<String, String> env = new HashMap<>();
    switch (store) {
      case REDIS -> env.putAll(RedisFixture.get().nodeSettings());
      case REDIS_SENTINEL -> {
        env.putAll(RedisUsers.nodeSettings());
        env.put("REDIS_SENTINELS", RedisSentinelFixture.get().sentinels());
        env.put("REDIS_SENTINEL_MASTER", RedisSentinelFixture.MASTER);
      }
      case REDIS_CLUSTER -> {
        env.putAll(RedisUsers.nodeSettings());
        env.put("REDIS_CLUSTER_NODES", RedisClusterFixture.get().seeds());
      }
      default -> { }
    }
    return env;
  }

  /** A fresh key prefix: nodes given the same one form one cluster. */
  public static String newPrefix() {
    return RedisUsers.KEY_PREFIX + "t" + PREFIXES.incrementAndGet() + ":";
  }

  private final Gateway gateway;
  private final Vertx clientVertx = Vertx.vertx();
  private final HttpClient http;
  private final List<AutoCloseable> opened = new ArrayList<>();

  private TestNode(Gateway gateway) {
    this.gateway = gateway;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** A node with test defaults (two event loops, API key set) overridden by {@code settings}. */
  public static TestNode start(String... settings) {
    return start(Clock.systemUTC(), settings);
  }

  public static TestNode start(Clock clock, String... settings) {
    return start(clock, UnaryOperator.identity(), settings);
  }

  /** A node whose backends pass through {@code decorate} (to inject failures). */
  public static TestNode start(Clock clock, UnaryOperator<Backends> decorate, String... settings) {
    Map<String, String> env = new HashMap<>();
    env.put("PORT", "0");
    env.put("MGMT_PORT", "0");
    env.put("EVENT_LOOPS", "2");
    env.put("API_KEY", API_KEY);
    env.putAll(storeSettings());
    if (store != Store.EMBEDDED) {
      env.put("REDIS_KEY_PREFIX", newPrefix());
    }
    for (int i = 0; i < settings.length; i += 2) {
      env.put(settings[i], settings[i + 1]);
    }
    return new TestNode(Await.result(Gateway.start(GatewayConfig.fromEnv(env), clock, decorate)));
  }

  public Gateway gateway() {
    return gateway;
  }

  public int port() {
    return gateway.port();
  }

  public Vertx clientVertx() {
    return clientVertx;
  }

  /** A raw WebSocket, upgraded but not yet connected (send {@code connect} yourself). */
  public WsProbe probe(String... headers) {
    WsProbe probe = WsProbe.open(clientVertx, port(), headers);
    opened.add(probe);
    return probe;
  }

  /** A raw WebSocket that has sent {@code connect} as {@code user} and received {@code connected}. */
  public WsProbe connected(String user) {
    return connected(user, "default");
  }

  public WsProbe connected(String user, String device) {
    WsProbe probe = probe();
    probe.send(new JsonObject().put("type", "connect").put("user", user).put("device", device));
    probe.next("connected");
    return probe;
  }

  /** {@link #connected} as {@code user}, then joined to each of {@code groups} (the {@code joined} answers taken). */
  public WsProbe member(String user, String... groups) {
    WsProbe probe = connected(user);
    for (String group : groups) {
      probe.send(new JsonObject().put("type", "join").put("ref", 1).put("channel", group));
      probe.next("joined");
    }
    return probe;
  }

  /** The protocol client of shared-protocol, in dev auth mode. */
  public ChatClient client(String user, String device) {
    ChatClient client = new ChatClient(clientVertx, new ClientOptions().host("127.0.0.1").port(port())
        .user(user).device(device));
    opened.add(() -> Await.result(client.shutdown().otherwise((Void) null)));
    return client;
  }

  public HttpResult api(HttpMethod method, String path, JsonObject body, String... headers) {
    return request(port(), method, path, body, "Bearer " + API_KEY, headers);
  }

  /** Whether the registry, asked through this node's API ({@code /api/presence}), holds a session of {@code user}. */
  public boolean online(String user) {
    return api(HttpMethod.GET, "/api/presence/user%2F" + user, null).json().getJsonArray("online").contains(user);
  }

  public HttpResult management(HttpMethod method, String path) {
    return request(gateway.managementPort(), method, path, null, null);
  }

  /** An HTTP request; {@code headers} are name, value pairs. */
  public HttpResult request(int port, HttpMethod method, String path, JsonObject body, String authorization,
                            String... headers) {
    return send(http, port, method, path, body, authorization, headers);
  }

  private static final HttpClient SHARED = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** {@link #request}, to a node this JVM did not start (a {@link NodeProcess}). */
  public static HttpResult call(int port, HttpMethod method, String path, JsonObject body, String authorization) {
    return send(SHARED, port, method, path, body, authorization);
  }

  private static HttpResult send(HttpClient http, int port, HttpMethod method, String path, JsonObject body,
                                 String authorization, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofMillis(Await.TIMEOUT_MS))
        .method(method.name(), body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new HttpResult(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " on port " + port, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  public record HttpResult(int status, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  @Override
  public void close() {
    for (AutoCloseable c : opened) {
      try {
        c.close();
      } catch (Exception e) {
        // best effort: the node goes down next
      }
    }
    Await.result(gateway.close());
    Await.result(clientVertx.close());
  }
}
