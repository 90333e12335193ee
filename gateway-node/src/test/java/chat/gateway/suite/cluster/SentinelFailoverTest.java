package chat.gateway.suite.cluster;

import chat.gateway.testing.RedisSentinelFixture;
import chat.gateway.testing.TestNode;

/** {@link FailoverTest} under Sentinel: the primary dies, Sentinel promotes its replica, the nodes follow. */
class SentinelFailoverTest extends FailoverTest {
  private final RedisSentinelFixture sentinel = RedisSentinelFixture.get();

  @Override
  void useStore(boolean on) {
    TestNode.useRedisSentinel(on);
  }

  @Override
  Runnable killGroupsPrimary() {
    int primary = sentinel.killPrimary();
    return () -> sentinel.awaitFailover(primary);
  }

  @Override
  void restore() {
    sentinel.restore();
  }
}
