package chat.gateway.webhook;

import chat.gateway.redis.RedisCommands;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The webhook shards of a node's Redis: one on one Redis (or under Sentinel); on a Redis Cluster one per primary,
 * named by its first slot, kept across a failover (same slots, another address) and given their new slots when
 * slots migrate.
 */
public final class RedisWebhookShards implements WebhookShards {
  private final RedisCommands redis;
  private final String holder;
  private final long maxBacklog;
  private final Map<Integer, RedisWebhookShard> shards = new LinkedHashMap<>();
  private final Map<Integer, int[]> slotsOf = new LinkedHashMap<>();

  public RedisWebhookShards(RedisCommands redis, String nodeId, long maxBacklog) {
    this.redis = redis;
    this.maxBacklog = maxBacklog;
    // one per process: a node that comes back under the same id is a new holder of the leases
    this.holder = nodeId + ":" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  }

  @Override
  public synchronized Map<Integer, WebhookShard> now() {
    ShardSlots map = ShardSlots.of(redis.topology(), redis.keys().cluster());
    shards.keySet().retainAll(map.slotsOf().keySet());
    slotsOf.keySet().retainAll(map.slotsOf().keySet());
    map.slotsOf().forEach((shard, slots) -> {
      RedisWebhookShard known = shards.get(shard);
      if (known == null) {
        shards.put(shard, new RedisWebhookShard(redis, shard, slots, holder, maxBacklog));
      } else if (!Arrays.equals(slotsOf.get(shard), slots)) {
        known.slots(slots);
      }
      slotsOf.put(shard, slots);
    });
    return Map.copyOf(shards);
  }

  @Override
  public void onChange(Runnable changed) {
    redis.onTopologyChange(topology -> changed.run());
  }
}
