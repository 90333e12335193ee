package chat.gateway.suite.api;

import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.TestNode;
import chat.gateway.testing.TestNode.HttpResult;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server HTTP API, as a backend would call it. */
class ApiTest {
  private TestNode node;

  @BeforeEach
  void start() {
    node = TestNode.start("MAX_MESSAGE_BYTES", "8192", "NODE_ID", "gw-api");
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private WsProbe member(String user) {
    return node.member(user, "group/dev");
  }

  @Test
  void everyCallNeedsTheApiKey() {
    for (String auth : new String[] {null, "Bearer wrong", "Basic " + TestNode.API_KEY, TestNode.API_KEY}) {
      HttpResult result = node.request(node.port(), HttpMethod.GET, "/api/cluster", null, auth);
      assertEquals(401, result.status());
      assertEquals("unauthorized", result.json().getJsonObject("error").getString("code"));
    }
  }

  @Test
  void anApiWithoutAKeyConfiguredRefusesEverything() {
    try (TestNode keyless = TestNode.start("API_KEY", "")) {
      HttpResult result = keyless.request(keyless.port(), HttpMethod.GET, "/api/cluster", null, "Bearer ");
      assertEquals(401, result.status());
    }
  }

  @Test
  void aPublishRetriedWithItsIdempotencyKeyGetsTheFirstResultAndIsDeliveredOnce() throws Exception {
    WsProbe alice = member("alice");
    JsonObject publish = new JsonObject().put("channel", "group/dev").put("body", "deploy v3");
    // two attempts at once (the first timed out on the backend's side), then a late retry, by field
    CompletableFuture<HttpResult> racing = CompletableFuture.supplyAsync(
        () -> node.api(HttpMethod.POST, "/api/publish", publish, "Idempotency-Key", "deploy-42"));
    HttpResult first = node.api(HttpMethod.POST, "/api/publish", publish, "Idempotency-Key", "deploy-42");
    HttpResult second = racing.get(15, TimeUnit.SECONDS);
    HttpResult late = node.api(HttpMethod.POST, "/api/publish", publish.copy().put("idempotencyKey", "deploy-42"));
    for (HttpResult again : new HttpResult[] {second, late}) {
      assertEquals(200, again.status(), again.body());
      assertEquals(first.json(), again.json(), "the first publish's id and position");
    }
    assertEquals(first.json().getString("id"), alice.next("message").getString("id"));
    node.api(HttpMethod.POST, "/api/publish", new JsonObject().put("channel", "group/dev").put("body", "marker"));
    assertEquals("marker", alice.next("message").getString("body"), "the retries delivered nothing");
    JsonArray history = node.api(HttpMethod.GET, "/api/history/group%2Fdev", null).json().getJsonArray("messages");
    assertEquals(2, history.size(), "stored once");
  }

  @Test
  void anIdempotencyKeyIsRefusedForAnotherPublishOrWhenMalformed() {
    JsonObject publish = new JsonObject().put("channel", "group/dev").put("body", "one");
    assertEquals(200, node.api(HttpMethod.POST, "/api/publish", publish, "Idempotency-Key", "k-1").status());
    for (JsonObject other : new JsonObject[] {publish.copy().put("body", "two"), publish.copy().put("from", "bot"),
        publish.copy().put("channel", "group/ops")}) {
      HttpResult reused = node.api(HttpMethod.POST, "/api/publish", other, "Idempotency-Key", "k-1");
      assertEquals(400, reused.status(), other.encode());
      assertTrue(reused.json().getJsonObject("error").getString("message").contains("k-1 was already used"));
    }
    HttpResult differ = node.api(HttpMethod.POST, "/api/publish", publish.copy().put("idempotencyKey", "a"),
        "Idempotency-Key", "b");
    assertEquals(400, differ.status());
    for (String bad : new String[] {"has space", "x".repeat(256)}) {
      HttpResult malformed = node.api(HttpMethod.POST, "/api/publish", publish.copy().put("idempotencyKey", bad));
      assertEquals(400, malformed.status(), bad);
      assertEquals("bad_request", malformed.json().getJsonObject("error").getString("code"));
    }
    HttpResult notAString = node.api(HttpMethod.POST, "/api/publish", publish.copy().put("idempotencyKey", 7));
    assertEquals(400, notAString.status());
  }

  @Test
  void publishReachesMembersAndHistory() {
    WsProbe alice = member("alice");
    HttpResult result = node.api(HttpMethod.POST, "/api/publish",
        new JsonObject().put("channel", "group/dev").put("body", new JsonObject().put("deploy", "v2")));
    assertEquals(200, result.status());
    String id = result.json().getString("id");
    JsonObject message = alice.next("message");
    assertEquals(id, message.getString("id"));
    assertEquals(result.json().getString("position"), message.getString("position"));
    assertEquals("system", message.getString("from"));

    HttpResult asBot = node.api(HttpMethod.POST, "/api/publish",
        new JsonObject().put("channel", "user/alice").put("body", "hello").put("from", "bot"));
    assertEquals(200, asBot.status());
    assertEquals("bot", alice.next("message").getString("from"));

    HttpResult history = node.api(HttpMethod.GET, "/api/history/group%2Fdev?limit=10", null);
    assertEquals(200, history.status());
    JsonArray messages = history.json().getJsonArray("messages");
    assertEquals(1, messages.size());
    assertEquals(id, messages.getJsonObject(0).getString("id"));
    assertFalse(history.json().getBoolean("more"));
  }

  @Test
  void historyPagesWithBeforeAndLimit() {
    String[] positions = new String[6];
    for (int i = 1; i <= 5; i++) {
      positions[i] = node.api(HttpMethod.POST, "/api/publish",
          new JsonObject().put("channel", "group/dev").put("body", i)).json().getString("position");
    }
    JsonObject page = node.api(HttpMethod.GET, "/api/history/group%2Fdev?limit=2&before=" + positions[4], null).json();
    assertEquals(2, page.getJsonArray("messages").getJsonObject(0).getInteger("body"));
    assertEquals(3, page.getJsonArray("messages").getJsonObject(1).getInteger("body"));
    assertTrue(page.getBoolean("more"));
    assertEquals(400, node.api(HttpMethod.GET, "/api/history/group%2Fdev?limit=zero", null).status());
    assertEquals(400, node.api(HttpMethod.GET, "/api/history/group%2Fdev?before=xyz", null).status());
    assertEquals(400, node.api(HttpMethod.GET, "/api/history/groups%2Fdev", null).status());
  }

  @Test
  void presenceCountsMembersAndListsTheOnline() {
    member("alice");
    member("bob").close();
    member("carol");
    JsonObject presence = node.api(HttpMethod.GET, "/api/presence/group%2Fdev", null).json();
    assertEquals(new JsonArray().add("alice").add("carol"), presence.getJsonArray("online"));
    assertEquals(3, presence.getLong("members"));
    JsonObject everyone = node.api(HttpMethod.GET, "/api/presence/broadcast", null).json();
    assertEquals(2, everyone.getLong("members"));
  }

  @Test
  void disconnectClosesEverySessionOfTheUserWith4003() {
    WsProbe phone = node.connected("alice", "phone");
    WsProbe laptop = node.connected("alice", "laptop");
    WsProbe bob = node.connected("bob");
    HttpResult result = node.api(HttpMethod.POST, "/api/disconnect", new JsonObject().put("user", "alice"));
    assertEquals(200, result.status());
    assertEquals(4003, phone.closeCode());
    assertEquals(4003, laptop.closeCode());
    bob.send("{\"type\":\"ping\"}");
    assertEquals("pong", bob.next("pong").getString("type"));
  }

  @Test
  void clusterListsThisNode() {
    node.connected("alice");
    JsonArray nodes = node.api(HttpMethod.GET, "/api/cluster", null).json().getJsonArray("nodes");
    assertEquals(1, nodes.size());
    JsonObject self = nodes.getJsonObject(0);
    assertEquals("gw-api", self.getString("id"));
    assertEquals("127.0.0.1:" + node.port(), self.getString("address"));
    assertEquals(1, self.getLong("connections"));
    assertTrue(self.getLong("startedAt") > 0);
  }

  @Test
  void aNodeDrainsItselfWhenAskedThroughTheApi() {
    WsProbe alice = node.connected("alice");
    assertError(node.api(HttpMethod.POST, "/api/cluster/gw-other/drain", null), 404, "not_found");
    assertFalse(alice.isClosed());
    assertEquals(200, node.api(HttpMethod.POST, "/api/cluster/gw-api/drain", null).status());
    assertEquals(4100, alice.closeCode());
  }

  @Test
  void badRequestsGetTheMatchingStatusAndCode() {
    assertError(node.api(HttpMethod.POST, "/api/publish", new JsonObject().put("body", 1)), 400, "bad_request");
    assertError(node.api(HttpMethod.POST, "/api/publish", new JsonObject().put("channel", "nowhere").put("body", 1)),
        400, "bad_request");
    assertError(node.api(HttpMethod.POST, "/api/publish", new JsonObject().put("channel", "group/dev")), 400,
        "bad_request");
    assertError(node.api(HttpMethod.POST, "/api/publish",
        new JsonObject().put("channel", "group/dev").put("body", 1).put("from", "no spaces")), 400, "bad_request");
    assertError(node.api(HttpMethod.POST, "/api/disconnect", new JsonObject()), 400, "bad_request");
    assertError(node.api(HttpMethod.GET, "/api/nothing-here", null), 404, "not_found");
    assertError(node.api(HttpMethod.POST, "/api/publish",
        new JsonObject().put("channel", "group/dev").put("body", "x".repeat(8000))), 413, "too_large");
    assertError(node.api(HttpMethod.POST, "/api/publish",
        new JsonObject().put("channel", "group/dev").put("body", "x".repeat(20_000))), 413, "too_large");
    HttpResult notJson = node.request(node.port(), HttpMethod.POST, "/api/publish", null, "Bearer " + TestNode.API_KEY);
    assertError(notJson, 400, "bad_request");
  }

  private static void assertError(HttpResult result, int status, String code) {
    assertEquals(status, result.status(), result.body());
    assertEquals(code, result.json().getJsonObject("error").getString("code"));
    assertFalse(result.json().getJsonObject("error").getString("message").isEmpty());
  }

  @Test
  void aMessageSentOverTheSocketIsReadableOverTheApi() {
    WsProbe alice = member("alice");
    alice.send(send(1, "group/dev", "typed"));
    String id = alice.next("ack").getString("id");
    JsonArray messages = node.api(HttpMethod.GET, "/api/history/group/dev", null).json().getJsonArray("messages");
    assertEquals(id, messages.getJsonObject(0).getString("id"));
  }
}
