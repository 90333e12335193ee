package chat.gateway.history;

import io.vertx.core.Future;

/**
 * Remembers which publishes were stored, for {@code dedupeTtl}. {@link #claim} is atomic: exactly one caller
 * owns a key and must {@link #complete} or {@link #release} it; every other caller gets the owner's result,
 * or {@code bad_request} when the key was claimed for a different publish (another fingerprint).
 */
public interface DedupeStore {

  /** Completes with null when the caller now owns {@code key}, or with the earlier result of that key. */
  Future<Appended> claim(DedupeKey key);

  void complete(DedupeKey key, Appended appended);

  /** Gives up the key after a failed append, so that a resend can try again. */
  void release(DedupeKey key);
}
