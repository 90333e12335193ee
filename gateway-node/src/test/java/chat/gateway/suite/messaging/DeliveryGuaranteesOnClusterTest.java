package chat.gateway.suite.messaging;

import chat.gateway.testing.OnRedisCluster;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DeliveryGuaranteesTest} with its nodes on a Redis Cluster of 3 primaries and 3 replicas. */
@ExtendWith(OnRedisCluster.class)
class DeliveryGuaranteesOnClusterTest extends DeliveryGuaranteesTest {
}
