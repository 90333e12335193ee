package chat.gateway.webhook;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The events of one shard waiting for the webhook, oldest first: the {@link WebhookDispatcher} of the node that
 * owns the shard takes a batch of the oldest, posts it, and removes it once delivered. One batch in flight per
 * shard keeps each channel's events (and each user's presence and session events) in the order they happened.
 */
public interface WebhookShard {
  /** An event waiting: its id (the same on every try), when it happened, and the event as posted. */
  record Waiting(String id, long ts, JsonObject event) {
  }

  /**
   * Whether this node delivers the shard's events now (and keeps it a while): always embedded; on Redis, while it
   * holds the shard's lease, checked (and renewed) before each post so that a node that lost it posts no more.
   */
  Future<Boolean> own();

  /** {@link #own}, asked of the store now (never from a recent answer): right before a post. */
  default Future<Boolean> fence() {
    return own();
  }

  /** How long a node that does not own the shard waits before it tries again. */
  default long standbyMillis() {
    return 0;
  }

  /** The oldest events waiting, at most {@code max}. */
  Future<List<Waiting>> oldest(int max);

  /** The events up to and including {@code last} are delivered (or dropped): they go. */
  Future<Void> delivered(Waiting last);

  /** Events waiting, as last seen. */
  long waiting();

  /** Events dropped because more than {@code WEBHOOK_MAX_BACKLOG} were waiting. */
  long droppedForBacklog();

  /** {@code signal} runs when an event is recorded here (embedded: the dispatcher wakes up; on Redis: never). */
  void onRecord(Runnable signal);

  /** How long an idle dispatcher waits before it looks again (0: it is woken by {@link #onRecord}). */
  long pollMillis();
}
