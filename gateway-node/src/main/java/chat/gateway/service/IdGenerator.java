package chat.gateway.service;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * Ids unique across the cluster without coordination: milliseconds in base 36 (so ids sort roughly by
 * time) followed by 64 random bits. Thread-safe.
 */
public final class IdGenerator {
  private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
  private final ThreadLocal<SplittableRandom> random;

  public IdGenerator() {
    SplittableRandom seed = new SplittableRandom(new SecureRandom().nextLong());
    this.random = ThreadLocal.withInitial(() -> {
      synchronized (seed) {
        return seed.split();
      }
    });
  }

  public String next(long millis) {
    StringBuilder id = new StringBuilder(22).append(Long.toString(millis, 36));
    long bits = random.get().nextLong();
    for (int i = 0; i < 13; i++) {
      id.append(ALPHABET[(int) Long.remainderUnsigned(bits, 36)]);
      bits = Long.divideUnsigned(bits, 36);
    }
    return id.toString();
  }
}
