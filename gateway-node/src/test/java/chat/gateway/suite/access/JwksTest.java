package chat.gateway.suite.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import chat.gateway.testing.Await;
import chat.gateway.testing.Jwts;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Version 1.1, {@code JWT_JWKS_URL}: an identity provider's keys, by {@code kid} (RS256, ES256, EdDSA), read
 * once, read again when a token names one they lack (at most once per 10 s); keys that cannot be read make a
 * connect {@code unavailable} and close 4503, never {@code unauthorized}.
 */
class JwksTest {
  private final KeyPair rsa = Jwts.rsa();
  private final KeyPair ec = Jwts.ec();
  private final KeyPair ed = Jwts.ed25519();
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile JsonObject document = new JsonObject().put("keys", new JsonArray());
  private Vertx vertx;
  private HttpServer provider;
  private TestNode node;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    provider = Await.result(vertx.createHttpServer().requestHandler(request -> {
      fetches.incrementAndGet();
      request.response().putHeader("Content-Type", "application/json").end(document.encode());
    }).listen(0, "127.0.0.1"));
    node = TestNode.start("AUTH_MODE", "jwt", "JWT_ISSUER", "https://id.test", "JWT_AUDIENCE", "chat",
        "JWT_JWKS_URL", "http://127.0.0.1:" + provider.actualPort() + "/.well-known/jwks.json");
  }

  @AfterEach
  void stop() {
    node.close();
    Await.result(vertx.close());
  }

  private void publish(JsonObject... keys) {
    document = new JsonObject().put("keys", new JsonArray(java.util.List.of((Object[]) keys)));
  }

  private static String token(String kid, KeyPair key) {
    return Jwts.withKid(kid, key.getPrivate(), Jwts.claims("alice", System.currentTimeMillis() / 1000 + 3600)
        .put("iss", "https://id.test").put("aud", "chat"));
  }

  /** The first answer to a connect with {@code token}: connected, or an error (the socket then closes). */
  private JsonObject connect(String token) {
    WsProbe ws = node.probe();
    ws.send(new JsonObject().put("type", "connect").put("token", token).put("device", "d"));
    JsonObject answer = ws.next("connected", "error");
    if (answer.getString("type").equals("error")) {
      Await.until("closed", ws::isClosed);
      answer.put("closeCode", (int) ws.closeCode());
    }
    return answer;
  }

  @Test
  void keysOfEachTypeAreFoundByKidAndReadOnce() {
    publish(Jwts.jwk("r1", rsa.getPublic()), Jwts.jwk("e1", ec.getPublic()), Jwts.jwk("d1", ed.getPublic()));
    assertEquals("connected", connect(token("r1", rsa)).getString("type"));
    assertEquals("connected", connect(token("e1", ec)).getString("type"));
    assertEquals("connected", connect(token("d1", ed)).getString("type"));
    assertEquals(1, fetches.get());
    JsonObject wrongKey = connect(token("r1", Jwts.rsa()));
    assertEquals("unauthorized", wrongKey.getString("code"));
    assertEquals(4001, wrongKey.getInteger("closeCode"));
  }

  @Test
  void aRotatedKeyIsReadOnFirstUseButAtMostOnceEveryTenSeconds() {
    publish(Jwts.jwk("old", rsa.getPublic()));
    assertEquals("unauthorized", connect(token("new", ec)).getString("code"), "not in the document");
    long firstRead = System.currentTimeMillis();
    assertEquals(1, fetches.get());
    publish(Jwts.jwk("old", rsa.getPublic()), Jwts.jwk("new", ec.getPublic()));
    assertEquals("unauthorized", connect(token("new", ec)).getString("code"), "read again only after 10 s");
    assertEquals(1, fetches.get(), "a made-up kid does not make the node hammer the provider");
    Await.until(Duration.ofSeconds(20), "10 s since the last read", () -> System.currentTimeMillis() - firstRead > 10_500);
    assertEquals("connected", connect(token("new", ec)).getString("type"));
    assertEquals(2, fetches.get());
  }

  @Test
  void keysThatCannotBeReadAreUnavailableAndClose4503() {
    Await.result(provider.close());
    JsonObject answer = connect(token("k", rsa));
    assertEquals("unavailable", answer.getString("code"), answer.encode());
    assertEquals(true, answer.getBoolean("temporary"));
    assertEquals(4503, answer.getInteger("closeCode"));
  }
}
