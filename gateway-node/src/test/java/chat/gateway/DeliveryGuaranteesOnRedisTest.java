package chat.gateway;

import chat.gateway.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link DeliveryGuaranteesTest} against the Redis backends: the same behaviour in cluster mode. */
class DeliveryGuaranteesOnRedisTest extends DeliveryGuaranteesTest {

  @BeforeAll
  static void redis() {
    TestNode.useRedis(true);
  }

  @AfterAll
  static void memory() {
    TestNode.useRedis(false);
  }
}
