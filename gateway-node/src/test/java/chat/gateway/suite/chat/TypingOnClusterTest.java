package chat.gateway.suite.chat;

import chat.gateway.testing.OnRedisCluster;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link TypingTest} on a Redis Cluster, and across two nodes ({@link TypingOnRedisTest}'s cross-node case). */
@ExtendWith(OnRedisCluster.class)
class TypingOnClusterTest extends TypingOnRedisTest {
}
