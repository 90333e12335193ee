package chat.gateway.redis;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a Redis connection waits before its next attempt: full jitter under a cap that doubles from
 * {@code baseMillis} up to {@value #CAP_MILLIS} ms, so that a node is back within about two seconds of Redis
 * however long it was away, and a thousand connections do not come back at once.
 */
public final class Reconnect {
  public static final long CAP_MILLIS = 2_000;

  private Reconnect() {
  }

  /** The delay before attempt {@code attempt} (0 for the first retry), at least 1 ms. */
  public static long delay(long baseMillis, int attempt) {
    long cap = Math.min(CAP_MILLIS, baseMillis << Math.min(attempt, 16));
    return 1 + ThreadLocalRandom.current().nextLong(cap);
  }
}
