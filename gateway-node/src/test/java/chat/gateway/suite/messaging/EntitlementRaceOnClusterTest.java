package chat.gateway.suite.messaging;

import chat.gateway.testing.TestNode;

/** {@link EntitlementRaceTest} with the nodes on a Redis Cluster of 3 primaries and 3 replicas. */
class EntitlementRaceOnClusterTest extends EntitlementRaceTest {
  @Override
  protected void useStore(boolean on) {
    TestNode.useRedisCluster(on);
  }
}
