package chat.gateway.webhook;

import java.util.List;

/**
 * The events of one shard waiting for the webhook, oldest first: the {@link WebhookDispatcher} takes a batch of
 * the oldest, posts it, and removes it once delivered. One batch in flight per shard keeps each channel's events
 * (and each user's presence and session events) in the order they happened.
 */
public interface WebhookShard {
  /** An event waiting: its id (the same on every try), its place in the shard, the event. */
  record Waiting(String id, long seq, WebhookEvent event) {
  }

  /** The oldest events waiting, at most {@code max}. */
  List<Waiting> oldest(int max);

  /** The events up to {@code upToSeq} are delivered (or dropped): they go. */
  void delivered(long upToSeq);

  long waiting();

  /** Events dropped because more than {@code WEBHOOK_MAX_BACKLOG} were waiting. */
  long droppedForBacklog();

  /** {@code signal} runs when an event is recorded (the dispatcher wakes up). */
  void onRecord(Runnable signal);
}
