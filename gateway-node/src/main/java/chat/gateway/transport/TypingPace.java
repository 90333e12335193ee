package chat.gateway.transport;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * (1.1) One session's typing frames: at most one forwarded per channel every {@value #EVERY_MILLIS} ms, the rest
 * dropped without an answer. Remembers the last {@value #CHANNELS} channels typed in (a client cannot make it hold
 * more; one forgotten sooner may be forwarded once more).
 */
final class TypingPace {
  static final long EVERY_MILLIS = 2_000;
  private static final int CHANNELS = 64;

  private final Map<String, Long> forwardedAt = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > CHANNELS;
    }
  };

  /** Whether a typing frame for {@code channel} at {@code now} (ms) is forwarded; if so it counts. */
  boolean forward(String channel, long now) {
    Long last = forwardedAt.get(channel);
    if (last != null && now - last < EVERY_MILLIS) {
      return false;
    }
    forwardedAt.put(channel, now);
    return true;
  }
}
