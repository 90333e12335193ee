package chat.gateway.suite.faults;

import chat.gateway.testing.TestNode;

/**
 * {@link WebhookTakeoverTest} on a Redis Cluster: the first node holds the lease of every shard, and when it is killed
 * or paused the second takes each shard's events over from each slot's stream.
 */
class WebhookTakeoverOnClusterTest extends WebhookTakeoverTest {
  @Override
  protected void useStore(boolean on) {
    TestNode.useRedisCluster(on);
  }
}
