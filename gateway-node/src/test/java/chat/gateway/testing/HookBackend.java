package chat.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real HTTP backend for hook tests, on 127.0.0.1 in a Vert.x of its own: each path ({@code /connect},
 * {@code /join}, {@code /publish}) answers as the test says (JSON, a status, garbage, slowly, or not at all),
 * and every request is recorded with whether its signature holds. {@link #down} stops listening (connections
 * refused), {@link #up} listens again on the same port.
 */
public final class HookBackend implements AutoCloseable {
  /** How to answer one request: a status and a body, after {@code delayMillis} (never: -1). */
  public record Answer(int status, String body, long delayMillis) {
    public static Answer json(JsonObject body) {
      return new Answer(200, body.encode(), 0);
    }

    public static Answer status(int status) {
      return new Answer(status, "{}", 0);
    }

    public static Answer garbage() {
      return new Answer(200, "this is not JSON", 0);
    }

    public static Answer never() {
      return new Answer(200, "{}", -1);
    }

    public Answer after(long millis) {
      return new Answer(status, body, millis);
    }
  }

  /** One request the backend received: its path, JSON body, and whether its signature and headers hold. */
  public record Received(String path, JsonObject body, boolean signed, String requestId, long timestamp,
                         long receivedAt) {
  }

  public static final String SECRET = "hook-test-secret-of-at-least-32-bytes-long";

  private final Vertx vertx = Vertx.vertx();
  private final Map<String, Function<JsonObject, Answer>> answers = new ConcurrentHashMap<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final int port;
  private volatile HttpServer server;

  public HookBackend() {
    this.server = listen(0);
    this.port = server.actualPort();
  }

  /** The URL of {@code path} on this backend, for {@code *_HOOK_URL}. */
  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** {@code path} answers every request with {@code answer} of the request's body. */
  public HookBackend on(String path, Function<JsonObject, Answer> answer) {
    answers.put(path, answer);
    return this;
  }

  public List<Received> received(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  public void forget() {
    received.clear();
  }

  /** Stops listening: calls get connection refused. */
  public void down() {
    Await.result(server.close());
  }

  public void up() {
    server = listen(port);
  }

  private HttpServer listen(int at) {
    HttpServer created = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(at))
        .requestHandler(this::handle);
    return Await.result(created.listen());
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      JsonObject json;
      try {
        json = new JsonObject(body);
      } catch (RuntimeException e) {
        request.response().setStatusCode(400).end();
        return;
      }
      String timestamp = request.getHeader("X-Chat-Timestamp");
      boolean signed = timestamp != null && ("v1=" + hmac(timestamp, body)).equals(request.getHeader("X-Chat-Signature"))
          && "application/json".equals(request.getHeader("Content-Type"));
      received.add(new Received(request.path(), json, signed, request.getHeader("X-Chat-Request-Id"),
          timestamp == null ? 0 : Long.parseLong(timestamp), System.nanoTime()));
      Function<JsonObject, Answer> answering = answers.get(request.path());
      Answer answer = answering == null ? Answer.status(404) : answering.apply(json);
      if (answer.delayMillis() < 0) {
        return; // never answered: the caller's timeout ends it
      }
      Runnable respond = () -> request.response().setStatusCode(answer.status())
          .putHeader("Content-Type", "application/json").end(answer.body());
      if (answer.delayMillis() == 0) {
        respond.run();
      } else {
        vertx.setTimer(answer.delayMillis(), id -> respond.run());
      }
    });
  }

  private static String hmac(String timestamp, Buffer body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes()));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    Await.result(vertx.close().otherwise((Void) null));
  }
}
