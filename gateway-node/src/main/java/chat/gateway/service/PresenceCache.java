package chat.gateway.service;

import io.vertx.core.Future;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Group presence answers, kept while nothing changed: a member list costs the stores two reads of up to
 * {@code LARGE_GROUP_MEMBERS} names, and members of a busy group asking again and again would pay it each
 * time. An answer is kept only for a group this node receives the events of ({@code watched}): every
 * {@code joined}, {@code left}, {@code online} and {@code offline} of it, from this node or another, drops
 * it ({@link #changed}), so a kept answer is as fresh as the events that reach this node. At most
 * {@value #TTL_MILLIS} ms old in any case (events can be missed while the cluster link is down), and at most
 * {@value #MAX_ENTRIES} groups. Thread-safe.
 */
final class PresenceCache {
  static final long TTL_MILLIS = 5_000;
  static final int MAX_ENTRIES = 10_000;

  private record Entry(long expiresAt, Future<Presence.View> view) {
  }

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Predicate<String> watched;
  private final Clock clock;

  PresenceCache(Predicate<String> watched, Clock clock) {
    this.watched = watched;
    this.clock = clock;
  }

  /** The kept answer for {@code channel}, or {@code read}'s (kept if the channel is watched). */
  Future<Presence.View> get(String channel, Supplier<Future<Presence.View>> read) {
    long now = clock.millis();
    Entry kept = entries.get(channel);
    if (kept != null && kept.expiresAt > now) {
      return kept.view;
    }
    if (!watched.test(channel) || (kept == null && entries.size() >= MAX_ENTRIES)) {
      return read.get();
    }
    Future<Presence.View> view = read.get();
    Entry entry = new Entry(now + TTL_MILLIS, view);
    entries.put(channel, entry);
    // a failure is not kept; nor is an answer that a change made stale while it was read (changed removed it)
    view.onFailure(e -> entries.remove(channel, entry));
    return view;
  }

  /** Something changed in {@code channel}'s membership or presence: its kept answer goes. */
  void changed(String channel) {
    entries.remove(channel);
  }

  /** Drops answers past their age. */
  void sweep() {
    long now = clock.millis();
    entries.values().removeIf(e -> e.expiresAt <= now);
  }
}
