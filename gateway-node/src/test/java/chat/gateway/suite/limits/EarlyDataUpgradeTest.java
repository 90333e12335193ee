package chat.gateway.suite.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.SilentSocket;
import chat.gateway.testing.TestNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A client may send its first frame without waiting for the 101 (RFC 6455, section 4.1): whatever follows
 * the request head in the same TCP segment belongs to the WebSocket and must reach the session.
 */
class EarlyDataUpgradeTest {

  @Test
  void twoHundredUpgradesWithTheConnectFrameInTheSameWriteAllGetConnected() {
    try (TestNode node = TestNode.start("ADMISSION_RATE", "10000", "ADMISSION_PENDING_PER_SOURCE", "1000")) {
      List<SilentSocket> peers = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        peers.add(SilentSocket.openInOneWrite(node.clientVertx(), node.port(),
            "{\"type\":\"connect\",\"user\":\"early" + i + "\"}"));
      }
      System.gc(); // the test's own sockets must survive a collection (their client is held)
      for (int i = 0; i < peers.size(); i++) {
        SilentSocket peer = peers.get(i);
        assertTrue(peer.awaitUpgrade().contains(" 101 "), "upgrade " + i);
        Await.until("connected on socket " + i, () -> peer.received("connected") == 1);
      }
    }
  }

  @Test
  void framesAfterTheConnectFrameInTheSameWriteAreServedInOrder() {
    try (TestNode node = TestNode.start()) {
      SilentSocket peer = SilentSocket.openInOneWrite(node.clientVertx(), node.port(),
          "{\"type\":\"connect\",\"user\":\"alice\"}", "{\"type\":\"ping\"}");
      assertTrue(peer.awaitUpgrade().contains(" 101 "));
      Await.until("pong", () -> peer.received("pong") == 1);
      assertEquals(List.of("connected", "pong"), peer.texts().stream()
          .map(t -> new io.vertx.core.json.JsonObject(t).getString("type")).toList());
    }
  }
}
