package chat.gateway.suite.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The page and SDK every node serves (the browser tests in web-client/e2e use them for real; this checks
 * what the node adds: the files from the jar, their headers, /config.json, and that /ws and /api keep
 * their own answers).
 */
class WebPageTest {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void servesThePageAndTheSdkFromTheJar() throws Exception {
    try (TestNode node = TestNode.start()) {
      HttpResponse<String> page = get(node, "/");
      assertEquals(200, page.statusCode());
      assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
      assertTrue(page.body().contains("<script type=\"module\" src=\"app.js\">"), page.body());
      String policy = page.headers().firstValue("Content-Security-Policy").orElse("");
      assertTrue(policy.contains("default-src 'self'"), "nothing is loaded from elsewhere: " + policy);

      for (String file : new String[] {"/app.js", "/chat-client.js", "/style.css"}) {
        HttpResponse<String> response = get(node, file);
        assertEquals(200, response.statusCode(), file);
        assertTrue(response.headers().firstValue("Cache-Control").orElse("").contains("max-age=60"), file);
      }
      assertEquals(404, get(node, "/no-such-file.js").statusCode());
      assertEquals(400, get(node, "/ws").statusCode(), "/ws still takes only upgrades");
      assertEquals(401, get(node, "/api/cluster").statusCode(), "/api still wants its key");
    }
  }

  @Test
  void configTellsThePageHowToSignIn() throws Exception {
    try (TestNode dev = TestNode.start()) {
      assertEquals(new JsonObject().put("auth", "dev").put("maxMessageBytes", 65536),
          new JsonObject(get(dev, "/config.json").body()));
    }
    try (TestNode jwt = TestNode.start("AUTH_MODE", "jwt", "JWT_SECRET", "a-secret-of-at-least-32-bytes-for-hs256",
        "MAX_MESSAGE_BYTES", "4096")) {
      assertEquals(new JsonObject().put("auth", "jwt").put("maxMessageBytes", 4096),
          new JsonObject(get(jwt, "/config.json").body()));
    }
  }

  private HttpResponse<String> get(TestNode node, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
