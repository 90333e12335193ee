package chat.protocol.client;

import chat.protocol.Channel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A client's sends that are not acknowledged yet, and when each may be written, so that the sends of one
 * channel are stored in the order they were made (guarantee 3) through temporary refusals and reconnects:
 *
 * <ul>
 *   <li>while connected, and nothing of the channel waits for a retry, a send is written at once (pipelined,
 *   without waiting for earlier acks);
 *   <li>a send refused temporarily ({@code unavailable}, {@code rate_limited}) holds its channel: nothing
 *   more of it is written until the retry delay (exponential, jittered) has passed, and then one send at a
 *   time, each after the ack of the one before, until nothing of the channel is left unwritten. So a retry
 *   is never overtaken by a send made after the refusal;
 *   <li>after a (re)connect every unacknowledged send is written again, in seq order (the gateway acks a
 *   repeat without storing it twice).
 * </ul>
 *
 * Sends already written when a refusal arrives may be stored before the refused one: the gateway does not
 * hold a send back behind an earlier one that failed. Not thread-safe: its owner serialises the calls.
 */
public final class Outbox {
  /** Timers of the owner's event loop. */
  public interface Timers {
    long set(long delayMs, Runnable action);

    void cancel(long id);

    /** Milliseconds, for pacing (monotonic). */
    default long now() {
      return System.nanoTime() / 1_000_000;
    }
  }

  /** The share of the node's stated rate the sends may take: the rest is for everything else a client says. */
  private static final double SHARE = 0.8;

  private static final class Entry {
    final Channel channel;
    final String frame;
    boolean written;

    Entry(Channel channel, String frame) {
      this.channel = channel;
      this.frame = frame;
    }
  }

  /** A channel held after a temporary refusal: {@code timer} while its retry delay runs, else -1. */
  private static final class Hold {
    long timer = -1;
    int retries;
  }

  private final TreeMap<Long, Entry> unacked = new TreeMap<>();
  private final Map<Channel, Hold> held = new HashMap<>();
  private final Timers timers;
  private Consumer<String> writer;
  /** Pacing within the node's stated rate ({@link #pace}): tokens, per ms, at most, when last refilled. */
  private double tokens;
  private double perMilli;
  private double most;
  private long refilledAt;
  /** Sends due to be written (in order) once the rate allows; a timer while they wait. */
  private final java.util.ArrayDeque<Entry> paced = new java.util.ArrayDeque<>();
  private long paceTimer = -1;

  public Outbox(Timers timers) {
    this.timers = timers;
  }

  /** Keeps send {@code seq} (its encoded {@code frame}) until acked; writes it now if its channel allows. */
  public void add(long seq, Channel channel, String frame) {
    Entry entry = new Entry(channel, frame);
    unacked.put(seq, entry);
    if (writer != null && !held.containsKey(channel)) {
      write(entry);
    }
  }

  /**
   * The node's stated rate ({@code connected}'s {@code rate}): from now on sends are written at most at
   * {@value #SHARE} of it, a burst of as much at once, the rest queued in order. Without it sends are not paced.
   */
  public void pace(double perSecond, int burst) {
    perMilli = perSecond * SHARE / 1000;
    most = Math.max(1, Math.floor(burst * SHARE));
    tokens = most;
    refilledAt = timers.now();
  }

  /** Writes {@code entry} now, or in its turn once the rate allows. */
  private void write(Entry entry) {
    entry.written = true;
    if (perMilli <= 0) {
      writer.accept(entry.frame);
      return;
    }
    paced.addLast(entry);
    drain();
  }

  private void drain() {
    long now = timers.now();
    tokens = Math.min(most, tokens + (now - refilledAt) * perMilli);
    refilledAt = now;
    while (!paced.isEmpty() && tokens >= 1 && writer != null) {
      tokens--;
      writer.accept(paced.poll().frame);
    }
    if (!paced.isEmpty() && paceTimer < 0) {
      paceTimer = timers.set(Math.max(1, (long) Math.ceil((1 - tokens) / perMilli)), () -> {
        paceTimer = -1;
        drain();
      });
    }
  }

  /** The ack of {@code seq} came: forgets it and writes what its channel held back. False if unknown. */
  public boolean acked(long seq) {
    Entry entry = unacked.remove(seq);
    if (entry == null) {
      return false;
    }
    if (held.containsKey(entry.channel)) {
      flush(entry.channel);
    }
    return true;
  }

  /**
   * {@code seq} was refused: a temporary refusal keeps it for a retry and holds its channel, a final one
   * forgets it. False if {@code seq} is not waiting for an answer.
   */
  public boolean refused(long seq, boolean temporary) {
    Entry entry = unacked.get(seq);
    if (entry == null) {
      return false;
    }
    if (!temporary) {
      return acked(seq);
    }
    entry.written = false;
    Hold hold = held.computeIfAbsent(entry.channel, c -> new Hold());
    if (hold.timer < 0) {
      hold.timer = timers.set(Backoff.retry(hold.retries++), () -> {
        hold.timer = -1;
        flush(entry.channel);
      });
    }
    return true;
  }

  /** Connected ({@code writer} writes a frame on the new connection): writes every unacked send in seq order. */
  public void connected(Consumer<String> writer) {
    this.writer = writer;
    for (Entry entry : unacked.values()) {
      write(entry);
    }
  }

  /** The connection is gone: nothing is in flight any more, and nothing is held (a reconnect resends all). */
  public void disconnected() {
    writer = null;
    paced.clear();
    if (paceTimer >= 0) {
      timers.cancel(paceTimer);
      paceTimer = -1;
    }
    held.values().forEach(h -> {
      if (h.timer >= 0) {
        timers.cancel(h.timer);
      }
    });
    held.clear();
    unacked.values().forEach(e -> e.written = false);
  }

  public boolean contains(long seq) {
    return unacked.containsKey(seq);
  }

  public int size() {
    return unacked.size();
  }

  /** The seqs not acknowledged yet, oldest first. */
  public List<Long> seqs() {
    return new ArrayList<>(unacked.keySet());
  }

  /**
   * Writes the channel's unwritten sends in seq order: all of them when the channel is not held; when it
   * is, one, once its retry delay passed and nothing of it is in flight. A held channel with nothing left
   * unwritten or in flight is free again.
   */
  private void flush(Channel channel) {
    if (writer == null) {
      return;
    }
    Hold hold = held.get(channel);
    if (hold != null && hold.timer >= 0) {
      return;
    }
    boolean left = false;
    for (Entry entry : unacked.values()) {
      if (!entry.channel.equals(channel)) {
        continue;
      }
      left = true;
      if (hold != null && entry.written) {
        return;
      }
      if (!entry.written) {
        write(entry);
        if (hold != null) {
          return;
        }
      }
    }
    if (hold != null && !left) {
      held.remove(channel);
    }
  }
}
