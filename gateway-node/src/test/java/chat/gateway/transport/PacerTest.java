package chat.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The pacer's batches, on a timer the test runs by hand. */
class PacerTest {

  /** Timers scheduled and not yet run. */
  private final Queue<Runnable> timers = new ArrayDeque<>();
  /** The delay of every timer scheduled, in order. */
  private final List<Long> delays = new ArrayList<>();
  private final List<List<Integer>> batches = new ArrayList<>();
  private final Pacer<Integer> pacer = new Pacer<>(10, 100, (delay, action) -> {
    delays.add(delay);
    timers.add(action);
  }, batches::add);

  private static List<Integer> items(int from, int count) {
    return IntStream.range(from, from + count).boxed().toList();
  }

  private void runTimers() {
    while (!timers.isEmpty()) {
      timers.poll().run();
    }
  }

  @Test
  void aBurstGoesOutInEqualBatchesOneSliceApartTheFirstAtOnce() {
    pacer.addAll(items(0, 1000));
    assertEquals(List.of(items(0, 100)), batches, "the first tenth at once, nothing more");
    assertEquals(900, pacer.waiting());
    runTimers();
    assertEquals(10, batches.size());
    for (List<Integer> batch : batches) {
      assertEquals(100, batch.size());
    }
    assertEquals(items(0, 1000), batches.stream().flatMap(List::stream).toList(), "each once, in order");
    assertEquals(List.of(100L, 100L, 100L, 100L, 100L, 100L, 100L, 100L, 100L), delays);
    assertEquals(0, pacer.waiting());
  }

  @Test
  void aSmallBurstTakesFewerSlicesAndNothingIsScheduledOnceDone() {
    pacer.addAll(items(0, 3));
    runTimers();
    assertEquals(List.of(List.of(0), List.of(1), List.of(2)), batches);
    pacer.addAll(List.of());
    assertTrue(timers.isEmpty(), "nothing waits, no timer");
    pacer.addAll(items(5, 1));
    assertEquals(List.of(List.of(0), List.of(1), List.of(2), List.of(5)), batches);
  }

  @Test
  void aBurstArrivingWhileAnotherIsPacedJoinsItWithoutASecondTimer() {
    pacer.addAll(items(0, 100));
    pacer.addAll(items(100, 100));
    assertEquals(1, timers.size(), "one chain of timers");
    assertEquals(List.of(items(0, 10)), batches);
    runTimers();
    assertEquals(items(0, 200), batches.stream().flatMap(List::stream).toList());
    assertTrue(batches.stream().allMatch(b -> b.size() <= 19), "190 waiting over 10 slices: 19 each");
  }
}
