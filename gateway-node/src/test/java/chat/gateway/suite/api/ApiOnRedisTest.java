package chat.gateway.suite.api;

import chat.gateway.testing.OnRedis;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ApiTest} against the Redis backends: the same behaviour in cluster mode. */
@ExtendWith(OnRedis.class)
class ApiOnRedisTest extends ApiTest {
}
