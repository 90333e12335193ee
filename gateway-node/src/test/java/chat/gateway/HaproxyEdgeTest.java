package chat.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import chat.gateway.testing.Await;
import chat.gateway.testing.Tools;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The shared HAProxy configuration (haproxy/haproxy.cfg, as compose and scripts/cluster.sh run it) in front
 * of a server that answers with the {@code X-Forwarded-For} lines it received: what a gateway behind it is
 * told about the client.
 */
class HaproxyEdgeTest {

  @Test
  void theEdgeReplacesAnyForwardedForTheClientWrote() throws Exception {
    Vertx vertx = Vertx.vertx();
    Process haproxy = null;
    try {
      HttpServer echo = vertx.createHttpServer().requestHandler(request -> request.response()
          .end(String.join("|", request.headers().getAll("X-Forwarded-For"))));
      int backendPort = Await.result(echo.listen(0, "127.0.0.1")).actualPort();
      int publicPort = Tools.freePort();
      Path backend = Files.createTempFile("backend", ".cfg");
      Files.writeString(backend, "backend gateways\n    server gw-1 127.0.0.1:" + backendPort + " check\n");
      ProcessBuilder builder = new ProcessBuilder("haproxy", "-f", "haproxy/haproxy.cfg", "-f", backend.toString())
          .directory(Tools.repo().toFile()).redirectErrorStream(true)
          .redirectOutput(Files.createTempFile("haproxy", ".log").toFile());
      builder.environment().put("PUBLIC_BIND", "127.0.0.1:" + publicPort);
      builder.environment().put("STATS_BIND", "127.0.0.1:" + Tools.freePort());
      builder.environment().put("MGMT_PORT", Integer.toString(backendPort)); // /ready is answered 200 too
      haproxy = builder.start();
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2)).build();
      URI uri = URI.create("http://127.0.0.1:" + publicPort + "/ws");
      Await.until("HAProxy answers", () -> send(client, uri, null) != null);

      assertEquals("127.0.0.1", send(client, uri, null));
      assertEquals("127.0.0.1", send(client, uri, "203.0.113.7"), "the client's own line is dropped");
    } finally {
      if (haproxy != null) {
        haproxy.destroyForcibly().waitFor();
      }
      Await.result(vertx.close());
    }
  }

  /** The body of a GET through HAProxy with {@code forwardedFor} (null: none) set, or null if it did not answer. */
  private static String send(HttpClient client, URI uri, String forwardedFor) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
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
