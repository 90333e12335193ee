package chat.gateway.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class with its nodes on the Redis Cluster of {@link RedisClusterFixture} (3 primaries, 3
 * replicas): {@code @ExtendWith(OnRedisCluster.class)}.
 */
public final class OnRedisCluster implements BeforeAllCallback, AfterAllCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    TestNode.useRedisCluster(true);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    TestNode.useRedisCluster(false);
  }
}
