package chat.gateway.suite.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import chat.gateway.auth.TokenMinter;
import chat.gateway.testing.Jwts;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** JWT mode: which tokens open a session, and which close it with 4001. */
class JwtAuthTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef-test";

  private static long inOneHour() {
    return System.currentTimeMillis() / 1000 + 3600;
  }

  private static JsonObject connectWith(String token) {
    return new JsonObject().put("type", "connect").put("token", token);
  }

  private static void assertAccepted(TestNode node, String token, String user) {
    WsProbe ws = node.probe();
    ws.send(connectWith(token));
    JsonObject connected = ws.next();
    assertEquals("connected", connected.getString("type"), connected.encode());
    assertEquals(user, connected.getString("user"));
  }

  /** Refused with {@code unauthorized} and 4001; returns what the client was told (error message, close reason). */
  private static String assertRejected(TestNode node, String token) {
    WsProbe ws = node.probe();
    ws.send(connectWith(token));
    JsonObject error = ws.next();
    assertEquals("unauthorized", error.getString("code"));
    assertEquals(4001, ws.closeCode());
    return error.getString("message") + " / " + ws.closeReason();
  }

  /** Refused, told {@code why} in general terms, and nothing of the node's settings ({@code configured}). */
  private static void assertRejectedAs(TestNode node, String token, String why, String... configured) {
    String told = assertRejected(node, token);
    assertTrue(told.contains(why), told);
    for (String setting : configured) {
      assertFalse(told.contains(setting), "the client is told the node's setting " + setting + ": " + told);
    }
  }

  @Test
  void hs256TokensAreVerifiedAndExpiryHonoured() {
    try (TestNode node = TestNode.start("AUTH_MODE", "jwt", "JWT_SECRET", SECRET, "JWT_LEEWAY", "0s")) {
      assertAccepted(node, Jwts.hs256(SECRET, Jwts.claims("alice", inOneHour())), "alice");
      assertRejected(node, Jwts.hs256(SECRET, Jwts.claims("alice", System.currentTimeMillis() / 1000 - 5)));
      assertRejected(node, Jwts.hs256(SECRET + "-wrong", Jwts.claims("alice", inOneHour())));
      assertRejected(node, Jwts.none(Jwts.claims("alice", inOneHour())));
      assertRejected(node, "not-a-jwt");
      assertRejected(node, Jwts.hs256(SECRET, new JsonObject().put("exp", inOneHour())));
      assertRejected(node, Jwts.hs256(SECRET, Jwts.claims("alice", inOneHour())
          .put("nbf", System.currentTimeMillis() / 1000 + 600)));
    }
  }

  @Test
  void aTokenMustExpireWithinTheMaximumLifetime() {
    try (TestNode node = TestNode.start("AUTH_MODE", "jwt", "JWT_SECRET", SECRET, "JWT_LEEWAY", "0s",
        "JWT_MAX_LIFETIME", "2h")) {
      assertRejected(node, Jwts.hs256(SECRET, new JsonObject().put("sub", "alice")));
      long now = System.currentTimeMillis() / 1000;
      assertRejected(node, Jwts.hs256(SECRET, Jwts.claims("alice", now + 3 * 3600)));
      assertRejectedAs(node, Jwts.hs256(SECRET, Jwts.claims("alice", now + 3 * 3600).put("iat", now)),
          "lives too long", "7200", "2 h", "JWT_MAX_LIFETIME");
      assertAccepted(node, Jwts.hs256(SECRET, Jwts.claims("alice", now + 3600).put("iat", now)), "alice");
    }
  }

  @Test
  void audienceAndIssuerAreCheckedWhenConfigured() {
    try (TestNode node = TestNode.start("AUTH_MODE", "jwt", "JWT_SECRET", SECRET, "JWT_AUDIENCE", "chat",
        "JWT_ISSUER", "https://id.example")) {
      assertRejectedAs(node, Jwts.hs256(SECRET, Jwts.claims("alice", inOneHour()).put("aud", "chat").put("iss", "evil")),
          "issuer", "https://id.example");
      assertRejectedAs(node, Jwts.hs256(SECRET, Jwts.claims("alice", inOneHour()).put("iss", "https://id.example")
          .put("aud", "mail")), "audience", "chat");
      JsonObject right = Jwts.claims("alice", inOneHour()).put("iss", "https://id.example");
      assertAccepted(node, Jwts.hs256(SECRET, right.copy().put("aud", "chat")), "alice");
      assertAccepted(node, Jwts.hs256(SECRET, right.copy().put("aud", new io.vertx.core.json.JsonArray().add("mail").add("chat"))), "alice");
      assertRejected(node, Jwts.hs256(SECRET, right.copy()));
      assertRejected(node, Jwts.hs256(SECRET, right.copy().put("aud", "mail")));
      assertRejected(node, Jwts.hs256(SECRET, Jwts.claims("alice", inOneHour()).put("aud", "chat")));
      assertRejected(node, Jwts.hs256(SECRET, Jwts.claims("alice", inOneHour()).put("aud", "chat").put("iss", "evil")));
    }
  }

  @Test
  void theTokenMinterMakesTokensTheNodeAcceptsForTheirLifetime() {
    try (TestNode node = TestNode.start("AUTH_MODE", "jwt", "JWT_SECRET", SECRET, "JWT_LEEWAY", "0s")) {
      assertAccepted(node, TokenMinter.hs256(SECRET, "carol", Duration.ofHours(1), Clock.systemUTC()), "carol");
      Clock yesterday = Clock.offset(Clock.systemUTC(), Duration.ofDays(-1));
      assertRejected(node, TokenMinter.hs256(SECRET, "carol", Duration.ofHours(1), yesterday));
    }
  }

  @Test
  void jwtModeRefusesDevUserNames() {
    try (TestNode node = TestNode.start("AUTH_MODE", "jwt", "JWT_SECRET", SECRET)) {
      WsProbe ws = node.probe();
      ws.send("{\"type\":\"connect\",\"user\":\"alice\"}");
      assertEquals("unauthorized", ws.next().getString("code"));
      assertEquals(4001, ws.closeCode());
    }
  }

  @Test
  void rs256TokensAreVerifiedWithThePublicKey() {
    KeyPair keys = Jwts.rsa();
    KeyPair other = Jwts.rsa();
    try (TestNode node = TestNode.start("AUTH_MODE", "jwt", "JWT_PUBLIC_KEY", Jwts.pem(keys.getPublic()),
        "JWT_SKIP_ISSUER_AUDIENCE", "true")) {
      assertAccepted(node, Jwts.rs256(keys.getPrivate(), Jwts.claims("bob", inOneHour())), "bob");
      assertRejected(node, Jwts.rs256(other.getPrivate(), Jwts.claims("bob", inOneHour())));
      // Algorithm confusion: an HS256 token "signed" with the public key text must not pass.
      assertRejected(node, Jwts.hs256(Jwts.pem(keys.getPublic()), Jwts.claims("bob", inOneHour())));
      assertRejected(node, Jwts.none(Jwts.claims("bob", inOneHour())));
    }
  }

  @Test
  void es256TokensAreVerifiedWithThePublicKey() {
    KeyPair keys = Jwts.ec();
    try (TestNode node = TestNode.start("AUTH_MODE", "jwt", "JWT_PUBLIC_KEY", Jwts.pem(keys.getPublic()),
        "JWT_SKIP_ISSUER_AUDIENCE", "true")) {
      assertAccepted(node, Jwts.es256(keys.getPrivate(), Jwts.claims("carol", inOneHour())), "carol");
      assertRejected(node, Jwts.es256(Jwts.ec().getPrivate(), Jwts.claims("carol", inOneHour())));
    }
  }

  @Test
  void onlyAdminTokensMayBroadcast() {
    try (TestNode node = TestNode.start("AUTH_MODE", "jwt", "JWT_SECRET", SECRET)) {
      WsProbe user = node.probe();
      user.send(connectWith(Jwts.hs256(SECRET, Jwts.claims("alice", inOneHour()))));
      user.next("connected");
      user.send("{\"type\":\"send\",\"seq\":1,\"channel\":\"broadcast\",\"body\":\"hi all\"}");
      JsonObject error = user.next("error");
      assertEquals("forbidden", error.getString("code"));
      assertEquals(1, error.getLong("seq"));

      WsProbe admin = node.probe();
      admin.send(connectWith(Jwts.hs256(SECRET, Jwts.claims("root", inOneHour()).put("role", "admin"))));
      admin.next("connected");
      admin.send("{\"type\":\"send\",\"seq\":1,\"channel\":\"broadcast\",\"body\":\"maintenance at noon\"}");
      assertEquals("ack", admin.next("ack").getString("type"));
      assertEquals("maintenance at noon", user.next("message").getString("body"));
    }
  }
}
