package chat.gateway.suite.presence;

import chat.gateway.testing.OnRedis;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link LargeGroupTest} on the Redis backends (group sizes from the member sets). */
@ExtendWith(OnRedis.class)
class LargeGroupOnRedisTest extends LargeGroupTest {
}
