package chat.gateway;

import chat.gateway.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link MessagingTest} against the Redis backends: the same behaviour in cluster mode. */
class MessagingOnRedisTest extends MessagingTest {

  @BeforeAll
  static void redis() {
    TestNode.useRedis(true);
  }

  @AfterAll
  static void memory() {
    TestNode.useRedis(false);
  }
}
