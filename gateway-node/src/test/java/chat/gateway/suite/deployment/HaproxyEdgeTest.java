package chat.gateway.suite.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.EdgeProxy;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shared HAProxy configuration (haproxy/haproxy.cfg, as compose and scripts/cluster.sh run it) in front
 * of a server that answers with the {@code X-Forwarded-For} lines it received: what a gateway behind it is
 * told about the client, and what HAProxy refuses and counts.
 */
class HaproxyEdgeTest {
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private Vertx vertx;
  private EdgeProxy haproxy;
  private int publicPort;
  private int statsPort;

  @BeforeEach
  void backend() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (haproxy != null) {
      haproxy.close();
    }
    Await.result(vertx.close());
  }

  /** HAProxy with the shared configuration, {@code env} on top, in front of the echo server; once it answers. */
  private void start(Map<String, String> env) throws IOException {
    HttpServer echo = vertx.createHttpServer().requestHandler(request -> request.response()
        .end(String.join("|", request.headers().getAll("X-Forwarded-For"))));
    int backendPort = Await.result(echo.listen(0, "127.0.0.1")).actualPort();
    haproxy = EdgeProxy.start(backendPort, backendPort, env); // /ready is answered 200 too
    publicPort = haproxy.publicPort();
    statsPort = haproxy.statsPort();
  }

  @Test
  void theEdgeReplacesAnyForwardedForTheClientWrote() throws Exception {
    start(Map.of());
    Await.until("HAProxy routes", () -> get(publicPort, "/ws", null) != null);
    assertEquals("127.0.0.1", get(publicPort, "/ws", null));
    assertEquals("127.0.0.1", get(publicPort, "/ws", "203.0.113.7"), "the client's own line is dropped");
  }

  @Test
  void connectionsPastASourcesCapAreCountedWhereTheDashboardLooks() throws Exception {
    start(Map.of("CONN_CUR", "1"));
    Set<String> panel = DeploymentFilesTest.dashboardMetrics("haproxy_frontend_denied");
    assertFalse(panel.isEmpty(), "a dashboard panel shows the connections HAProxy refused");
    try (Socket held = new Socket("127.0.0.1", publicPort)) {
      Await.until("HAProxy holds the first", () -> publicCount("haproxy_frontend_current_sessions") >= 1);
      try (Socket refused = new Socket("127.0.0.1", publicPort)) {
        refused.setSoTimeout(10_000);
        assertTrue(closedAtOnce(refused), "a second connection from one source is closed at once");
      }
    }
    Await.until("the refusal counted", () -> panel.stream().allMatch(name -> publicCount(name) >= 1));
  }

  /** Whether the peer closed (or reset) {@code socket} before saying anything. */
  private static boolean closedAtOnce(Socket socket) throws IOException {
    try {
      return socket.getInputStream().read() == -1;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (java.net.SocketException e) {
      return true; // reset
    }
  }

  /** The value of {@code metric} for the public frontend on HAProxy's exporter (0 if absent). */
  private double publicCount(String metric) {
    String body = get(statsPort, "/metrics", null);
    Matcher m = Pattern.compile("(?m)^" + metric + "\\{proxy=\"public\"} (\\S+)$").matcher(body == null ? "" : body);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** The body of a GET with {@code forwardedFor} (null: none) set, or null if there was no 200. */
  private String get(int port, String path, String forwardedFor) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5));
    if (forwardedFor != null) {
      request.header("X-Forwarded-For", forwardedFor);
    }
    try {
      HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }
}
