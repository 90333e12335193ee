package chat.gateway.history;

import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import chat.gateway.message.StoredMessage;
import io.vertx.core.Future;

/**
 * The per-channel message log, and the store-then-publish step every message goes through.
 *
 * <p>Guarantees: {@link #append} stores the message in each of its channels and publishes it to every
 * node's subscribers before its future completes; within a channel, positions increase in the order
 * messages are published, so every subscriber receives them in position order. A repeated dedupe key
 * completes with the first append's result (marked duplicate) and publishes nothing. Each channel keeps
 * at most the configured window (count and age). A failed future means nothing may be promised: the
 * caller reports {@code unavailable} and sends no ack.
 */
public interface HistoryStore {

  Future<Appended> append(Draft draft);

  /**
   * What a publish with {@code key} stored in {@code channel} (the first of its channels), marked duplicate; null
   * when nothing is stored under it (never stored, still being stored, or its record expired).
   */
  Future<Appended> stored(DedupeKey key, String channel);

  /** Up to {@code limit} messages before {@code before} (or the newest), oldest first, at most {@code maxBytes} of frames. */
  Future<Page> page(String channel, Position before, int limit, int maxBytes);

  /**
   * The messages after {@code after}, at most about {@code maxBytes} of them (at least one, unless
   * {@code maxBytes} is 0: then none, only whether there are any), with {@link Replay#more} when more follow;
   * or {@link Replay#NOT_RECOVERED} if some may be missing.
   */
  Future<Replay> since(String channel, Position after, int maxBytes);

  /** (1.1) The first version of message {@code id} as {@code channel} keeps it; null when it does not (any more). */
  Future<StoredMessage> find(String channel, String id);

  /** The newest position of the channel, or {@link Position#start} of its current epoch when empty. */
  Future<Position> head(String channel);

  /**
   * Whether a channel whose newest message stood at {@code newest} may have lost its history since, so that a new
   * epoch stands in its place (on Redis, a channel's keys expire once nothing was written to it for the history's
   * age): such a position is no head to give a joiner. A start position (no message yet) is not judged: it lost
   * nothing, and costs a joiner at most a {@code recovery} notice on a resume from it.
   */
  default boolean mayHaveExpired(Position newest) {
    return false;
  }
}
