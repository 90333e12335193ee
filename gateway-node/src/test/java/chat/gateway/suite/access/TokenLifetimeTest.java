package chat.gateway.suite.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.Jwts;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.client.ChatClient;
import chat.protocol.client.ClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Version 1.1, "Token lifetime": a session signed in with a token is told {@code expiring} before the token
 * ends, takes a {@code refresh} for the same user (whose grants then hold), and without one is closed with
 * 4001 {@code token expired} at {@code exp} plus the leeway. Tokens here live 4 s; the leeway is 0.
 */
class TokenLifetimeTest {
  private static final String SECRET = AccessTest.SECRET;
  private TestNode node;

  @BeforeEach
  void start() {
    node = TestNode.start("AUTH_MODE", "jwt", "JWT_SECRET", SECRET, "JWT_LEEWAY", "0s", "HEARTBEAT", "30s");
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** A token of {@code user} issued now, ending in {@code seconds}. */
  private static String token(String user, long seconds, JsonArray groups) {
    JsonObject claims = Jwts.claims(user, now() + seconds).put("iat", now());
    if (groups != null) {
      claims.put("groups", groups);
    }
    return Jwts.hs256(SECRET, claims);
  }

  private WsProbe connect(String token) {
    WsProbe ws = node.probe();
    ws.send(new JsonObject().put("type", "connect").put("token", token).put("device", "d"));
    ws.next("connected");
    return ws;
  }

  private static JsonObject refresh(WsProbe ws, long ref, String token) {
    ws.send(new JsonObject().put("type", "refresh").put("ref", ref).put("token", token));
    JsonObject answer = ws.next("refreshed", "error");
    assertEquals(ref, answer.getLong("ref"), answer.encode());
    return answer;
  }

  private static void awaitClose(WsProbe ws) {
    Await.until(Duration.ofSeconds(20), "the session closed", ws::isClosed);
  }

  @Test
  void aSessionIsToldItsTokenEndsThenClosedWhenItDoes() {
    long exp = now() + 4;
    WsProbe ws = connect(token("alice", 4, null));
    long in = ws.next("expiring").getLong("in");
    assertTrue(in >= 0 && in <= 2, "half the 4 s lifetime at most: " + in);
    awaitClose(ws);
    assertEquals(4001, ws.closeCode());
    assertEquals("token expired", ws.closeReason());
    assertTrue(System.currentTimeMillis() >= exp * 1000 - 1000, "not long before exp");
  }

  @Test
  void aRefreshKeepsTheSessionOpenAndItsGrantsReplaceTheOld() {
    long oldExp = now() + 4;
    WsProbe ws = connect(token("alice", 4, null));
    ws.send(new JsonObject().put("type", "join").put("ref", 1).put("channel", "group/vip"));
    assertEquals("forbidden", ws.next("error").getString("code"));
    ws.next("expiring");
    long newExp = now() + 3600;
    String renewed = Jwts.hs256(SECRET, Jwts.claims("alice", newExp).put("groups", new JsonArray().add("vip")));
    JsonObject refreshed = refresh(ws, 2, renewed);
    assertEquals("refreshed", refreshed.getString("type"), refreshed.encode());
    assertEquals(newExp * 1000, refreshed.getLong("expires"));
    ws.send(new JsonObject().put("type", "join").put("ref", 3).put("channel", "group/vip"));
    assertEquals("joined", ws.next("joined", "error").getString("type"), "the refreshed token's groups hold");
    Await.until(Duration.ofSeconds(10), "the old token's end passed", () -> System.currentTimeMillis() > oldExp * 1000 + 1500);
    ws.send(new JsonObject().put("type", "ping"));
    ws.next("pong");
    assertFalse(ws.isClosed());
  }

  @Test
  void theJavaClientsTokenSourceRefreshesOnExpiringAndTheSessionOutlivesItsFirstToken() {
    long firstExp = now() + 4;
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    java.util.List<String> closes = new java.util.concurrent.CopyOnWriteArrayList<>();
    ChatClient alice = new ChatClient(node.clientVertx(), new ClientOptions().host("127.0.0.1").port(node.port())
        .tokenSource(() -> io.vertx.core.Future.succeededFuture(
            asked.getAndIncrement() == 0 ? token("alice", 4, null) : token("alice", 3600, null))));
    alice.onClose((code, reason) -> closes.add(code + " " + reason));
    try {
      Await.result(alice.connect());
      Await.until(Duration.ofSeconds(10), "refreshed on expiring", () -> asked.get() == 2);
      Await.until(Duration.ofSeconds(10), "the first token's end passed",
          () -> System.currentTimeMillis() > firstExp * 1000 + 1500);
      Await.result(alice.presence("user/alice"));
      assertEquals(java.util.List.of(), closes, "still open");
    } finally {
      Await.result(alice.shutdown());
    }
  }

  @Test
  void aRefreshThatDoesNotTakeIsUnauthorizedAndTheOldDeadlineStands() {
    WsProbe ws = connect(token("alice", 4, null));
    for (String bad : new String[] {token("bob", 3600, null), "not-a-jwt",
        Jwts.hs256(SECRET, Jwts.claims("alice", now() - 60)),
        Jwts.hs256(SECRET, Jwts.claims("alice", now() + 3600).put("channel", "group/vip")),
        Jwts.hs256("another-secret-of-at-least-32-bytes!!", Jwts.claims("alice", now() + 3600))}) {
      JsonObject answer = refresh(ws, 1, bad);
      assertEquals("unauthorized", answer.getString("code"), answer.encode());
      assertFalse(answer.getBoolean("temporary"));
    }
    awaitClose(ws);
    assertEquals(4001, ws.closeCode());
  }
}
