package chat.gateway.suite.access;

import chat.gateway.testing.OnRedis;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link TokenLifetimeTest} on a node in cluster mode (one Redis). */
@ExtendWith(OnRedis.class)
class TokenLifetimeOnRedisTest extends TokenLifetimeTest {
}
