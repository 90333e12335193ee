package chat.gateway.service;

import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-user quotas over a fixed window, counted by this node for what the user does through it: the distinct
 * channels a user writes to or joins (other than their own user channel), and the bytes of message bodies
 * they store. Past either, requests fail with {@code rate_limited} until the window ends. These bound how
 * fast one user can make the stores grow; what was stored expires with the history window.
 *
 * <p>Thread-safe: every event loop of the node charges the same ledger. A user with sessions on several
 * nodes has a quota on each (the per-user session cap bounds how many).
 */
public final class UserQuotas {
  private final int channelsPerWindow;
  private final long bytesPerWindow;
  private final long windowMillis;
  private final Map<String, Usage> usage = new ConcurrentHashMap<>();

  private static final class Usage {
    final long windowStart;
    final Set<String> channels = new HashSet<>();
    long bytes;

    Usage(long windowStart) {
      this.windowStart = windowStart;
    }
  }

  public UserQuotas(int channelsPerWindow, long bytesPerWindow, Duration window) {
    this.channelsPerWindow = channelsPerWindow;
    this.bytesPerWindow = bytesPerWindow;
    this.windowMillis = window.toMillis();
  }

  /**
   * Counts a write of {@code bytes} by {@code user} to {@code channel} (null: a write that opens no channel),
   * or throws {@code rate_limited}, counting nothing, when it would pass a quota.
   */
  public void charge(String user, String channel, long bytes, long now) {
    Usage u = usage.compute(user, (k, current) -> current == null || now - current.windowStart >= windowMillis
        ? new Usage(now) : current);
    synchronized (u) {
      boolean newChannel = channel != null && !channel.equals("user/" + user) && !u.channels.contains(channel);
      if (newChannel && u.channels.size() >= channelsPerWindow) {
        throw refused(channelsPerWindow + " channels written or joined", u, now);
      }
      if (u.bytes + bytes > bytesPerWindow) {
        throw refused(bytesPerWindow + " bytes of messages stored", u, now);
      }
      if (newChannel) {
        u.channels.add(channel);
      }
      u.bytes += bytes;
    }
  }

  private ProtocolException refused(String what, Usage u, long now) {
    long retryAfter = Math.max(1, (u.windowStart + windowMillis - now + 999) / 1000);
    return new ProtocolException(ErrorCode.RATE_LIMITED, "quota: at most " + what + " per user in "
        + windowMillis / 1000 + " s; retry-after=" + retryAfter);
  }

  /** Forgets the users whose window ended. */
  public void sweep(long now) {
    usage.values().removeIf(u -> now - u.windowStart >= windowMillis);
  }

  /** Users with a window open (for tests and the gauge). */
  public int users() {
    return usage.size();
  }
}
