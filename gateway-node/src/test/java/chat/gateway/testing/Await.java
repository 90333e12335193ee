package chat.gateway.testing;

import io.vertx.core.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** Blocking waits for the test thread (never an event loop), each bounded so a hung test fails. */
public final class Await {
  public static final long TIMEOUT_MS = 15_000;

  private Await() {
  }

  public static <T> T result(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new RuntimeException(e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + TIMEOUT_MS + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  public static Throwable failure(Future<?> future) {
    try {
      result(future);
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a failure, got a result");
  }

  /** Polls {@code condition} (for state only observable by polling, like a counter) until true. */
  public static void until(String what, BooleanSupplier condition) {
    until(java.time.Duration.ofMillis(TIMEOUT_MS), what, condition);
  }

  /** {@link #until(String, BooleanSupplier)} with a longer limit (a failover, a cluster coming up). */
  public static void until(java.time.Duration limit, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
  }
}
