package chat.gateway.suite.access;

import chat.gateway.testing.TestNode;

/**
 * {@link HookTest} with two nodes on one Redis: a resend made on the other node is acked from the record Redis
 * keeps, and a membership the join hook granted on one node lets the user's session on the other in.
 */
class HookOnRedisTest extends HookTest {
  @Override
  protected void useStore(boolean on) {
    TestNode.useRedis(on);
  }

  @Override
  protected int nodeCount() {
    return 2;
  }
}
