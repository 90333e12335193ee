package chat.gateway.hook;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A hook's circuit breaker. Closed, every call goes. After {@code failures} failures in a row it opens: calls
 * are refused at once for {@code openMillis}, so a backend that is down costs requests no waiting and the
 * backend no load. Then one call goes as a probe (half open); its success closes the breaker, its failure opens
 * it again. Shared by the node's event loops.
 */
final class Breaker {
  private final int failures;
  private final long openMillis;
  private final LongSupplier clock;
  private final AtomicInteger inARow = new AtomicInteger();
  private final AtomicBoolean probing = new AtomicBoolean();
  /** When the breaker may let a probe through; 0 while closed. */
  private volatile long openUntil;

  Breaker(int failures, long openMillis, LongSupplier clock) {
    this.failures = failures;
    this.openMillis = openMillis;
    this.clock = clock;
  }

  /** A call may go now; if it does, its end must be told ({@link #succeeded} or {@link #failed}). */
  boolean allow() {
    long until = openUntil;
    if (until == 0) {
      return true;
    }
    return clock.getAsLong() >= until && probing.compareAndSet(false, true);
  }

  void succeeded() {
    inARow.set(0);
    openUntil = 0;
    probing.set(false);
  }

  void failed() {
    if (probing.get() || inARow.incrementAndGet() >= failures) {
      openUntil = clock.getAsLong() + openMillis;
      probing.set(false);
    }
  }

  /** A call that went but whose failure says nothing of the hook (ours: it never reached it). */
  void released() {
    probing.set(false);
  }

  boolean open() {
    return openUntil != 0;
  }
}
