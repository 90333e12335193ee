package chat.gateway.suite.deployment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.app.Gateway;
import chat.gateway.config.GatewayConfig;
import chat.gateway.testing.Await;
import chat.gateway.testing.TestNode;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A node that cannot start says why, and what it started meanwhile is stopped without blocking a thread. */
class StartFailureTest {

  @Test
  void aNodeWhosePortIsTakenFailsAndStopsWhatItStarted() {
    try (TestNode first = TestNode.start()) {
      GatewayConfig config = GatewayConfig.fromEnv(Map.of("PORT", Integer.toString(first.port()),
          "HOST", "127.0.0.1", "MGMT_PORT", "0", "EVENT_LOOPS", "2"));
      // The failure comes on one of the new node's event loops; the cleanup must not wait there for its own
      // Vert.x to close (it used to, 10 s, and then added a TimeoutException to the failure).
      Throwable thrown = Await.failure(Gateway.start(config, Clock.systemUTC()));
      Throwable failure = thrown.getCause() != null ? thrown.getCause() : thrown; // Await wraps checked ones
      assertTrue(String.valueOf(failure.getMessage()).contains("in use")
          || failure.toString().contains("BindException"), failure.toString());
      assertArrayEquals(new Throwable[0], failure.getSuppressed(), "the node's own resources closed cleanly");
    }
  }
}
