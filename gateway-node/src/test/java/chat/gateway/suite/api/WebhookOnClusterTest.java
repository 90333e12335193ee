package chat.gateway.suite.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.redis.RedisKeys;
import chat.gateway.testing.Await;
import chat.gateway.testing.OnRedisCluster;
import chat.gateway.testing.RedisClusterFixture;
import chat.gateway.testing.TestNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link WebhookTest} on a Redis Cluster of 3 primaries and 3 replicas: each event waits in its slot's stream on its
 * channel's (or user's) shard, and each shard's lease holder posts them.
 */
@ExtendWith(OnRedisCluster.class)
class WebhookOnClusterTest extends WebhookTest {

  /** An event a script recorded, in its slot's stream, whose node died before telling the shard's set of slots. */
  private void recordUntold(String channel, String user) {
    RedisKeys keys = RedisKeys.cluster(prefix);
    RedisClusterFixture.get().call("XADD", keys.webhookEvents(keys.slotOf(channel)), "*", "t", "member", "ts",
        Long.toString(System.currentTimeMillis()), "ch", channel, "u", user, "e", "joined");
  }

  @Test
  void eventsNoNodeToldOfAreFoundWhenTheLeaseIsTakenAndBySweepingTheSlots() {
    prefix = TestNode.newPrefix();
    recordUntold("group/before", "early"); // before any node delivers: found when one takes the lease
    startNode("WEBHOOK_EVENTS", "member");
    Await.until("the event recorded before the lease was taken", () -> delivered("member").stream()
        .anyMatch(e -> e.getString("user").equals("early")));
    recordUntold("group/after", "late"); // while it delivers: found by the sweep (a tenth of the slots a second)
    Await.until(Duration.ofSeconds(25), "the event found by sweeping", () -> delivered("member").stream()
        .anyMatch(e -> e.getString("user").equals("late")));
    assertTrue(delivered("member").stream().allMatch(e -> e.getString("id").contains("@")),
        "on a cluster an event's id names its slot");
  }
}
