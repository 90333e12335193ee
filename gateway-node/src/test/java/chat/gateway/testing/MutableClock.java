package chat.gateway.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A clock a test can move forward: real time plus an offset (for age-based history trims), or, made with
 * {@link #stopped}, a time that moves only when the test says.
 */
public final class MutableClock extends Clock {
  private final AtomicLong offsetMillis = new AtomicLong();
  private final LongSupplier base;

  public MutableClock() {
    this(System::currentTimeMillis);
  }

  private MutableClock(LongSupplier base) {
    this.base = base;
  }

  /** A clock standing at {@code startMillis} until {@link #advance} moves it. */
  public static MutableClock stopped(long startMillis) {
    return new MutableClock(() -> startMillis);
  }

  public void advance(Duration duration) {
    offsetMillis.addAndGet(duration.toMillis());
  }

  @Override
  public long millis() {
    return base.getAsLong() + offsetMillis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
