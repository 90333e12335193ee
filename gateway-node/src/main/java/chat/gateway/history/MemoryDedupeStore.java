package chat.gateway.history;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers which publishes an embedded node stored, for {@code DEDUPE_TTL} (on Redis, publish.lua does it in
 * the store's own script). {@link #claim} is atomic: exactly one caller owns a key and must {@link #complete}
 * or {@link #release} it; every other caller gets the owner's result, or {@code bad_request} when the key was
 * claimed for a different publish (another fingerprint). Entries older than the TTL are dropped by {@link #sweep}.
 */
public final class MemoryDedupeStore {
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Clock clock;
  private final long ttlMillis;

  private record Entry(Promise<Appended> result, long createdAt, String fingerprint) {
  }

  public MemoryDedupeStore(Clock clock, Duration ttl) {
    this.clock = clock;
    this.ttlMillis = ttl.toMillis();
  }

  /** Completes with null when the caller now owns {@code key}, or with the earlier result of that key. */
  public Future<Appended> claim(DedupeKey key) {
    long now = clock.millis();
    Entry mine = new Entry(Promise.promise(), now, key.fingerprint());
    Entry winner = entries.merge(key.name(), mine, (old, fresh) -> expired(old, now) ? fresh : old);
    if (winner == mine) {
      return Future.succeededFuture();
    }
    if (!key.sameRequest(winner.fingerprint())) {
      return Future.failedFuture(key.conflict());
    }
    return winner.result().future();
  }

  /** The result stored under {@code key}, or null when none is (or it is still being stored). */
  public Appended stored(DedupeKey key) {
    Entry entry = entries.get(key.name());
    if (entry == null || !entry.result().future().succeeded() || expired(entry, clock.millis())) {
      return null;
    }
    return entry.result().future().result();
  }

  public void complete(DedupeKey key, Appended appended) {
    Entry entry = entries.get(key.name());
    if (entry != null) {
      entry.result().tryComplete(appended);
    }
  }

  /** Gives up the key after a failed append, so that a resend can try again. */
  public void release(DedupeKey key) {
    Entry entry = entries.remove(key.name());
    if (entry != null) {
      entry.result().tryFail("the first attempt of this send failed; send it again");
    }
  }

  /** About what one entry takes in the heap: its key, the entry, the promise and the stored result. */
  private static final long ENTRY_BYTES = 400;

  /** Estimated heap bytes the entries take. */
  public long estimatedBytes() {
    return entries.size() * ENTRY_BYTES;
  }

  /** Drops expired entries; returns how many are kept. */
  public int sweep() {
    long now = clock.millis();
    entries.values().removeIf(e -> expired(e, now));
    return entries.size();
  }

  private boolean expired(Entry entry, long now) {
    return now - entry.createdAt() >= ttlMillis && entry.result().future().isComplete();
  }
}
