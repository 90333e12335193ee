package chat.gateway.suite.limits;

import chat.gateway.testing.OnRedis;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link UserBoundsTest} in cluster mode: the caps are kept in Redis, across nodes. */
@ExtendWith(OnRedis.class)
class UserBoundsOnRedisTest extends UserBoundsTest {
}
