package chat.gateway.webhook;

import java.util.Map;

/**
 * The shards whose events a node may deliver, each by name: one embedded (the node's memory) and on one Redis; on a
 * Redis Cluster one per primary, changing with the topology.
 */
@FunctionalInterface
public interface WebhookShards {
  /** The shards as they are now (the same object for a shard that is still there). */
  Map<Integer, WebhookShard> now();

  /** {@code changed} runs when the shards may have changed (on no particular thread). */
  default void onChange(Runnable changed) {
  }
}
