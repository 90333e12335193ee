package chat.gateway.suite.api;

import chat.gateway.testing.OnRedisCluster;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ApiTest} with its nodes on a Redis Cluster of 3 primaries and 3 replicas. */
@ExtendWith(OnRedisCluster.class)
class ApiOnClusterTest extends ApiTest {
}
