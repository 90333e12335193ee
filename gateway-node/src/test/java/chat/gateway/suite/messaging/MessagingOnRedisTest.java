package chat.gateway.suite.messaging;

import chat.gateway.testing.OnRedis;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link MessagingTest} against the Redis backends: the same behaviour in cluster mode. */
@ExtendWith(OnRedis.class)
class MessagingOnRedisTest extends MessagingTest {
}
