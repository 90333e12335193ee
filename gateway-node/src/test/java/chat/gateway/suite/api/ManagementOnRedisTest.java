package chat.gateway.suite.api;

import chat.gateway.testing.OnRedis;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ManagementTest} against the Redis backends: the same behaviour in cluster mode. */
@ExtendWith(OnRedis.class)
class ManagementOnRedisTest extends ManagementTest {
}
