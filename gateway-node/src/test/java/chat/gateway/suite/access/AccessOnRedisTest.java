package chat.gateway.suite.access;

import chat.gateway.testing.TestNode;

/** {@link AccessTest} with two nodes on one Redis: a membership change reaches the user's sessions on both. */
class AccessOnRedisTest extends AccessTest {
  @Override
  protected void useStore(boolean on) {
    TestNode.useRedis(on);
  }

  @Override
  protected int nodeCount() {
    return 2;
  }
}
