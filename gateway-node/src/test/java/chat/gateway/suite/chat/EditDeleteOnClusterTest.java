package chat.gateway.suite.chat;

import chat.gateway.testing.OnRedisCluster;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link EditDeleteTest} on a Redis Cluster, where a direct message's two copies lie in two slots. */
@ExtendWith(OnRedisCluster.class)
class EditDeleteOnClusterTest extends EditDeleteTest {
}
