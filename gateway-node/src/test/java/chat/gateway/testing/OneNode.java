package chat.gateway.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test of one node with the test defaults, started before each test and closed after (on the store the test's
 * extension chose: embedded, or Redis under {@code OnRedis} / {@code OnRedisCluster}).
 */
public abstract class OneNode {
  protected TestNode node;

  @BeforeEach
  void startNode() {
    node = TestNode.start();
  }

  @AfterEach
  void closeNode() {
    node.close();
  }
}
