package chat.gateway.suite.chat;

import chat.gateway.redis.RedisKeys;
import chat.gateway.testing.OnRedisCluster;
import chat.gateway.testing.RedisAdmin;
import chat.gateway.testing.RedisClusterFixture;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ReadMarkersOnRedisTest} on a Redis Cluster: markers in their channels' slots, counts read slot by slot. */
@ExtendWith(OnRedisCluster.class)
class ReadMarkersOnClusterTest extends ReadMarkersOnRedisTest {
  @Override
  protected RedisAdmin redis() {
    return RedisClusterFixture.get();
  }

  @Override
  protected RedisKeys keys(String prefix) {
    return RedisKeys.cluster(prefix);
  }
}
