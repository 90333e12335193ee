package chat.gateway.suite.messaging;

import chat.gateway.redis.RedisKeys;
import chat.gateway.testing.RedisAdmin;
import chat.gateway.testing.RedisClusterFixture;
import chat.gateway.testing.TestNode;

/** {@link DirectMessageWritesOnRedisTest} on a Redis Cluster, where the two writes lie in two slots. */
class DirectMessageWritesOnClusterTest extends DirectMessageWritesOnRedisTest {
  @Override
  protected RedisAdmin redis() {
    TestNode.useRedisCluster(true);
    return RedisClusterFixture.get();
  }

  @Override
  protected RedisKeys keys(String prefix) {
    return RedisKeys.cluster(prefix);
  }
}
