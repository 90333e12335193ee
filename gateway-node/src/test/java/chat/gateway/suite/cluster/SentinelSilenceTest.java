package chat.gateway.suite.cluster;

import static chat.gateway.testing.Frames.join;
import static chat.gateway.testing.Frames.send;

import chat.gateway.testing.Await;
import chat.gateway.testing.CuttableProxy;
import chat.gateway.testing.RedisSentinelFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Sentinel whose host dropped off the network (its connections go silent: no FIN, no RST) while the primary dies:
 * the node follows the failover the other Sentinels carry out, instead of waiting on the silent one.
 */
class SentinelSilenceTest {
  private final RedisSentinelFixture sentinel = RedisSentinelFixture.get();
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    TestNode.useRedisSentinel(false);
    sentinel.restore();
  }

  @Test
  void aSilentSentinelDoesNotHoldTheNodeWhenThePrimaryDies() {
    TestNode.useRedisSentinel(true);
    List<String> sentinels = new ArrayList<>(List.of(sentinel.sentinels().split(",")));
    URI first = URI.create("redis://" + sentinels.get(0));
    CuttableProxy silent = CuttableProxy.to(first.getHost(), first.getPort());
    opened.add(silent);
    sentinels.set(0, "127.0.0.1:" + silent.port()); // the one the node asks first
    TestNode node = TestNode.start("REDIS_SENTINELS", String.join(",", sentinels), "REDIS_TIMEOUT", "2s",
        "CANARY_INTERVAL", "200ms", "RATE_LIMIT_BURST", "1000");
    opened.add(node);
    WsProbe alice = node.connected("alice");
    alice.send(join(1, "group/dev"));
    alice.next("joined");
    alice.send(send(1, "group/dev", "before"));
    alice.next("ack");

    silent.silence();
    int old = sentinel.killPrimary();
    sentinel.awaitFailover(old);
    int[] seq = {2};
    Await.until(Duration.ofSeconds(30), "a send acked by the promoted replica", () -> {
      alice.send(send(seq[0]++, "group/dev", "after"));
      return "ack".equals(alice.next("ack", "error").getString("type"));
    });
  }
}
