package chat.gateway.suite.chat;

import chat.gateway.testing.OnRedis;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link EditDeleteTest} on one Redis: a deletion takes the versions out of the stream and leaves tombstones that
 * history and resume put back in place.
 */
@ExtendWith(OnRedis.class)
class EditDeleteOnRedisTest extends EditDeleteTest {
}
