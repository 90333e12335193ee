package chat.gateway.transport;

/** A rate limit: {@code perSecond} tokens a second, at most {@code burst} saved up. Not thread-safe. */
final class TokenBucket {
  private final double perMilli;
  private final int burst;
  private double tokens;
  private long refilledAt;

  TokenBucket(double perSecond, int burst, long now) {
    this.perMilli = perSecond / 1000.0;
    this.burst = burst;
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** Takes a token if there is one. */
  boolean tryTake(long now) {
    refill(now);
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  private void refill(long now) {
    if (now > refilledAt) {
      tokens = Math.min(burst, tokens + (now - refilledAt) * perMilli);
      refilledAt = now;
    }
  }
}
