package chat.gateway.suite.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.client.ChatClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClientOptions;
import org.junit.jupiter.api.Test;

/** Above a node's admission limits an upgrade gets HTTP 503 with Retry-After, and clients wait as told. */
class AdmissionControlTest {

  private static UpgradeRejectedException refused(TestNode node, String... headers) {
    return assertThrows(UpgradeRejectedException.class, () -> node.probe(headers));
  }

  @Test
  void aNodeAdmitsItsRateOfNewSessionsAndRefusesTheRestWithRetryAfter() {
    try (TestNode node = TestNode.start("ADMISSION_RATE", "1", "ADMISSION_BURST", "3")) {
      for (int i = 0; i < 3; i++) {
        node.connected("user" + i);
      }
      UpgradeRejectedException rejected = refused(node);
      assertEquals(503, rejected.getStatus());
      assertTrue(Long.parseLong(rejected.getHeaders().get("Retry-After")) >= 1);
      String metrics = node.management(HttpMethod.GET, "/metrics").body();
      assertTrue(metrics.contains("chat_handshakes_total{result=\"ok\"} 3.0"), metrics);
      assertTrue(metrics.contains("chat_handshakes_total{result=\"refused_rate\"} 1.0"), metrics);
    }
  }

  @Test
  void socketsThatNeverSendConnectCannotLockOthersOut() {
    try (TestNode node = TestNode.start("ADMISSION_PENDING_MAX", "3", "ADMISSION_PENDING_PER_SOURCE", "2")) {
      WsProbe silent1 = node.probe();
      node.probe();
      assertEquals(503, refused(node).getStatus(), "a third pending handshake from 127.0.0.1");
      WsProbe other = WsProbe.open(node.clientVertx(), node.port(), new WebSocketClientOptions().setLocalAddress("127.0.0.2"));
      other.send("{\"type\":\"connect\",\"user\":\"bob\"}");
      assertEquals("connected", other.next().getString("type"), "another address still gets in");
      WsProbe third = WsProbe.open(node.clientVertx(), node.port(), new WebSocketClientOptions().setLocalAddress("127.0.0.3"));
      assertEquals(503, assertThrows(UpgradeRejectedException.class, () -> WsProbe.open(node.clientVertx(),
          node.port(), new WebSocketClientOptions().setLocalAddress("127.0.0.4"))).getStatus(), "three pending: full");
      third.send("{\"type\":\"connect\",\"user\":\"carol\"}");
      third.next("connected");
      silent1.close();
      Await.until("both freed slots admit again", () -> {
        try {
          node.probe().close();
          return true;
        } catch (UpgradeRejectedException e) {
          return false;
        }
      });
    }
  }

  @Test
  void behindATrustedProxyTheForwardedClientAddressCounts() {
    try (TestNode node = TestNode.start("ADMISSION_PENDING_PER_SOURCE", "1", "TRUSTED_PROXIES", "127.0.0.1")) {
      node.probe("X-Forwarded-For", "203.0.113.7");
      assertEquals(503, refused(node, "X-Forwarded-For", "203.0.113.7").getStatus());
      node.probe("X-Forwarded-For", "203.0.113.8");
    }
    try (TestNode node = TestNode.start("ADMISSION_PENDING_PER_SOURCE", "1")) {
      node.probe("X-Forwarded-For", "203.0.113.7");
      assertEquals(503, refused(node, "X-Forwarded-For", "203.0.113.8").getStatus(),
          "without trusted proxies the header is anybody's word: the peer address counts");
    }
  }

  @Test
  void aClientCannotBeCountedAsSomeoneElseByWritingTheirAddressBeforeTheProxys() {
    // A proxy that appends (HAProxy's option forwardfor) writes its line after the one the client forged.
    try (TestNode node = TestNode.start("ADMISSION_PENDING_PER_SOURCE", "1", "TRUSTED_PROXIES", "127.0.0.1")) {
      node.probe("X-Forwarded-For", "203.0.113.7", "X-Forwarded-For", "198.51.100.1");
      node.probe("X-Forwarded-For", "203.0.113.7"); // the victim still has its pending slot
      assertEquals(503, refused(node, "X-Forwarded-For", "198.51.100.1").getStatus(),
          "the forger counted as itself");
      assertEquals(503, refused(node, "X-Forwarded-For", "203.0.113.7, 198.51.100.1").getStatus(),
          "one line: the rightmost hop counts");
    }
  }

  @Test
  void theJavaClientWaitsRetryAfterAndGetsIn() {
    try (TestNode node = TestNode.start("ADMISSION_RATE", "1", "ADMISSION_BURST", "1")) {
      node.connected("first");
      ChatClient late = node.client("late", "phone");
      long started = System.nanoTime();
      assertEquals("late", Await.result(late.connect(5)).user());
      assertTrue(System.nanoTime() - started >= 1_000_000_000L, "waited at least the Retry-After of 1 s");
    }
  }
}
