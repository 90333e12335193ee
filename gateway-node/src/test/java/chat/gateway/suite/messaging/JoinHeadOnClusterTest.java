package chat.gateway.suite.messaging;

import chat.gateway.testing.OnRedisCluster;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link JoinHeadTest} on a Redis Cluster, where a group's messages come by sharded pub/sub from its slot's shard. */
@ExtendWith(OnRedisCluster.class)
class JoinHeadOnClusterTest extends JoinHeadTest {
}
