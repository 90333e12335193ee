package chat.gateway.suite.access;

import chat.gateway.testing.TestNode;

/** {@link AccessTest} with two nodes on a Redis Cluster of 3 primaries and 3 replicas. */
class AccessOnClusterTest extends AccessTest {
  @Override
  protected void useStore(boolean on) {
    TestNode.useRedisCluster(on);
  }

  @Override
  protected int nodeCount() {
    return 2;
  }
}
