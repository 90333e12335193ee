package chat.gateway.message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The no-gap, no-repeat merge of what was read from history with the live events of the same channels.
 * A reader (a session resuming, a node repairing its subscriptions) {@link #hold}s a channel before it
 * reads the history after some position, so live events that arrive meanwhile wait; it delivers what it
 * read and marks how far that went ({@link #floor}); then it {@link #release}s the held events and
 * delivers each that {@link #fresh} lets through: live messages at or before the floor (same epoch) were
 * in the history already and are dropped, and the first one past it lifts the floor.
 *
 * <p>{@code E} is the reader's event type; {@code messageOf} gives the stored message an event carries,
 * or null for events that are not messages (they keep their place among the messages). Not thread-safe:
 * one owner (one event loop).
 */
public final class Catchup<E> {
  private final Function<E, StoredMessage> messageOf;
  private final ToLongFunction<E> sizeOf;
  private Map<String, List<E>> held;
  private Map<String, Position> floors;
  private long heldBytes;

  /** {@code sizeOf} weighs a held event (the reader bounds {@link #heldBytes}). */
  public Catchup(Function<E, StoredMessage> messageOf, ToLongFunction<E> sizeOf) {
    this.messageOf = messageOf;
    this.sizeOf = sizeOf;
  }

  /** Live events of {@code channel} wait from now on, until {@link #release}. */
  public void hold(String channel) {
    if (held == null) {
      held = new HashMap<>();
    }
    held.putIfAbsent(channel, new ArrayList<>());
  }

  public boolean holding(String channel) {
    return held != null && held.containsKey(channel);
  }

  public boolean holdingAny() {
    return held != null;
  }

  /** Holds {@code event} if its channel is held (true); false: deliver it now (through {@link #fresh}). */
  public boolean offer(String channel, E event) {
    List<E> waiting = held == null ? null : held.get(channel);
    if (waiting == null) {
      return false;
    }
    waiting.add(event);
    heldBytes += sizeOf.applyAsLong(event);
    return true;
  }

  /** Bytes of the events held now. */
  public long heldBytes() {
    return heldBytes;
  }

  /** The history of {@code channel} was delivered up to {@code position}: live messages up to it are repeats. */
  public void floor(String channel, Position position) {
    if (floors == null) {
      floors = new HashMap<>(4);
    }
    floors.put(channel, position);
  }

  /** How far the history of {@code channel} was delivered, or null. */
  public Position floorOf(String channel) {
    return floors == null ? null : floors.get(channel);
  }

  /** No history was delivered for {@code channel} (it could not be recovered): every live message is new. */
  public void clearFloor(String channel) {
    if (floors != null) {
      floors.remove(channel);
      if (floors.isEmpty()) {
        floors = null;
      }
    }
  }

  /** Stops holding {@code channel} and returns what waited, in arrival order, to deliver through {@link #fresh}. */
  public List<E> release(String channel) {
    List<E> waiting = held == null ? null : held.remove(channel);
    if (held != null && held.isEmpty()) {
      held = null;
    }
    if (waiting == null) {
      return List.of();
    }
    for (E event : waiting) {
      heldBytes -= sizeOf.applyAsLong(event);
    }
    return waiting;
  }

  /** Drops everything about {@code channel} (the reader left it): what was held is not delivered. */
  public void forget(String channel) {
    release(channel);
    clearFloor(channel);
  }

  /**
   * Whether to deliver {@code event} (live, not held): false for a message the history already delivered
   * (at or before its channel's floor, in the same epoch); the first message past the floor lifts it.
   */
  public boolean fresh(E event) {
    StoredMessage m = messageOf.apply(event);
    if (m == null || floors == null) {
      return true;
    }
    Position floor = floors.get(m.channel());
    if (floor == null) {
      return true;
    }
    if (floor.sameEpoch(m.position()) && m.position().compareTo(floor) <= 0) {
      return false;
    }
    clearFloor(m.channel());
    return true;
  }
}
