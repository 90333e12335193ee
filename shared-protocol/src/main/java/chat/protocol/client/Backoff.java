package chat.protocol.client;

import io.vertx.core.http.UpgradeRejectedException;
import java.util.concurrent.ThreadLocalRandom;

/** How long a client waits before trying again, as the protocol asks; one place for every Java client. */
public final class Backoff {
  private static final long RECONNECT_INITIAL_MS = 500;
  private static final long RECONNECT_MAX_MS = 20_000;
  private static final long RETRY_INITIAL_MS = 250;
  private static final long RETRY_MAX_MS = 10_000;

  private Backoff() {
  }

  /** Before reconnect {@code attempt} (0 for the first): full jitter under a cap doubling from 0.5 s to 20 s. */
  public static long reconnect(int attempt) {
    return ThreadLocalRandom.current().nextLong(Math.max(1, capped(RECONNECT_INITIAL_MS, RECONNECT_MAX_MS, attempt)));
  }

  /**
   * Before resending a request refused temporarily ({@code attempt} 0 for the first retry): between half and
   * all of a cap doubling from 250 ms to 10 s, so a retry never comes back at once.
   */
  public static long retry(int attempt) {
    long cap = capped(RETRY_INITIAL_MS, RETRY_MAX_MS, attempt);
    return cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
  }

  /** After a server said {@code Retry-After: seconds}: that long plus up to as long again, spreading the crowd. */
  public static long retryAfter(long seconds) {
    long millis = Math.max(1, seconds) * 1000;
    return millis + ThreadLocalRandom.current().nextLong(millis + 1);
  }

  /**
   * Before connect attempt {@code attempt} + 1 after {@code failure}: what the server's {@code Retry-After}
   * asked (an upgrade refused with 503 by a busy or draining node), or the reconnect backoff.
   */
  public static long afterFailedConnect(Throwable failure, int attempt) {
    long retryAfter = retryAfterSeconds(failure);
    return retryAfter > 0 ? retryAfter(retryAfter) : reconnect(attempt);
  }

  /** The {@code Retry-After} seconds of an upgrade refused with 503, or 0. */
  public static long retryAfterSeconds(Throwable failure) {
    if (failure instanceof UpgradeRejectedException rejected && rejected.getStatus() == 503
        && rejected.getHeaders() != null) {
      String value = rejected.getHeaders().get("Retry-After");
      if (value != null && value.trim().matches("\\d{1,6}")) {
        return Math.max(1, Long.parseLong(value.trim()));
      }
      return 1;
    }
    return 0;
  }

  private static long capped(long initial, long max, int attempt) {
    return Math.min(max, initial << Math.min(attempt, 20));
  }
}
