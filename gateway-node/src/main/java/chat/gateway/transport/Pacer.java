package chat.gateway.transport;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * Work that comes in bursts, done in equal batches spread over time: what is handed in is split into
 * {@code slices} batches, the first done at once and the next every {@code sliceMillis}, so that an event
 * loop never spends one long turn on it. A heartbeat tick finds a second's worth of connections due for a
 * ping at once (every connection that opened within that second of the last heartbeat); written in one
 * turn, they held the loop's deliveries back by milliseconds each time (docs/BENCHMARKS.md, section 11).
 *
 * <p>Confined to one event loop, as its {@link Timer} is.
 */
final class Pacer<T> {
  /** Runs {@code action} once, {@code delayMillis} from now, on the pacer's event loop. */
  interface Timer {
    void after(long delayMillis, Runnable action);
  }

  private final ArrayDeque<T> waiting = new ArrayDeque<>();
  private final int slices;
  private final long sliceMillis;
  private final Timer timer;
  private final Consumer<List<T>> batch;
  private int perSlice;
  private boolean scheduled;

  /**
   * @param slices      how many batches a burst is split into
   * @param sliceMillis the time between two batches
   * @param batch       does one batch (each item once)
   */
  Pacer(int slices, long sliceMillis, Timer timer, Consumer<List<T>> batch) {
    if (slices < 1 || sliceMillis < 1) {
      throw new IllegalArgumentException("slices and sliceMillis must be at least 1");
    }
    this.slices = slices;
    this.sliceMillis = sliceMillis;
    this.timer = timer;
    this.batch = batch;
  }

  /**
   * Adds {@code items} to what waits, and spreads all that waits over the next {@code slices} batches, the
   * first of them now.
   */
  void addAll(Collection<? extends T> items) {
    if (items.isEmpty()) {
      return;
    }
    waiting.addAll(items);
    perSlice = (waiting.size() + slices - 1) / slices;
    if (!scheduled) {
      nextBatch();
    }
  }

  /** Items waiting for their batch. */
  int waiting() {
    return waiting.size();
  }

  private void nextBatch() {
    scheduled = false;
    List<T> items = new ArrayList<>(Math.min(perSlice, waiting.size()));
    while (items.size() < perSlice && !waiting.isEmpty()) {
      items.add(waiting.poll());
    }
    if (!waiting.isEmpty()) {
      scheduled = true;
      timer.after(sliceMillis, this::nextBatch);
    }
    batch.accept(items);
  }
}
