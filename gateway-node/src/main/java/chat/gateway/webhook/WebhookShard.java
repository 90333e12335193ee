package chat.gateway.webhook;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * The events of one shard waiting for the webhook, oldest first: the {@link WebhookDispatcher} of the node that
 * owns the shard takes a batch of the oldest, posts it, and removes it once delivered. One batch in flight per
 * shard keeps each channel's events (and each user's presence and session events) in the order they happened.
 */
public interface WebhookShard {
  /**
   * An event waiting: where it waits ({@code slot}: its slot's stream on a Redis Cluster, else 0), its id (the same
   * on every try), when it happened, and the event as posted (a JSON object).
   */
  record Waiting(int slot, String id, long ts, Buffer event) {
  }

  /**
   * The oldest events waiting, at most {@code max}, or null when another node delivers this shard's events now.
   * On Redis the lease is checked (taken when free, renewed when held) in the same round trip that reads them,
   * right before they are posted, so that a node that lost it (paused past it) posts no more.
   */
  Future<List<Waiting>> take(int max);

  /**
   * Whether this node may post what it took: on Redis, whether the lease it had when the events were read is still
   * certainly its own (a node paused after reading them finds it may not, and takes them again). Asked right before
   * the post.
   */
  default boolean holds() {
    return true;
  }

  /** {@code events}, the oldest taken, are delivered (or dropped): they go. */
  void delivered(List<Waiting> events);

  /** How long a node that does not own the shard waits before it tries again. */
  default long standbyMillis() {
    return 0;
  }

  /** Events waiting, as last seen (0 where another node delivers them). */
  long waiting();

  /** Events this node saw dropped because more than {@code WEBHOOK_MAX_BACKLOG} were waiting. */
  long droppedForBacklog();

  /** {@code signal} runs when an event is recorded here (embedded: the dispatcher wakes up; on Redis: never). */
  void onRecord(Runnable signal);

  /** How long an idle dispatcher waits before it looks again (0: it is woken by {@link #onRecord}). */
  long pollMillis();

  /** This node stops delivering the shard's events (it leaves, or the shard is gone from the topology). */
  default void close() {
  }
}
