package chat.gateway.suite.cluster;

import chat.gateway.testing.TestNode;

/** {@link ClusterTest} with the nodes on a Redis Cluster of 3 primaries and 3 replicas. */
class ClusterOnRedisClusterTest extends ClusterTest {
  @Override
  protected void useStore(boolean on) {
    TestNode.useRedisCluster(on);
  }
}
