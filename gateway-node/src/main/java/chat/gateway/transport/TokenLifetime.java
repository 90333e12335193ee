package chat.gateway.transport;

import chat.gateway.auth.Identity;

/**
 * A session signed in with a token (or by a connect hook that said {@code expires}) ends when the token does (1.1, "Token lifetime"): {@code expiring} goes out
 * S seconds before {@code exp}, S = min(60, half the token's lifetime) (at once when the session is inside that
 * window already, and again after each refresh), and without a refresh the session is closed (4001
 * {@code token expired}) at {@code exp} plus the leeway. Checked on the hub's ticks; made only for sessions
 * whose sign-in ends.
 */
final class TokenLifetime {
  private static final long MAX_WARNING_MILLIS = 60_000;

  private final long leewayMillis;
  private long expiresMillis;
  private long warnAtMillis;
  private boolean warned;

  TokenLifetime(Identity identity, long leewayMillis) {
    this.leewayMillis = leewayMillis;
    renewed(identity);
  }

  /** A refresh: the new token's deadline, and a new warning before it. */
  void renewed(Identity identity) {
    expiresMillis = identity.expiresAt();
    warnAtMillis = expiresMillis - Math.min(MAX_WARNING_MILLIS, identity.lifetimeMillis() / 2);
    warned = false;
  }

  /** The deadline, in ms since the epoch (what {@code refreshed} tells). */
  long expiresMillis() {
    return expiresMillis;
  }

  /** Past {@code exp} and the leeway: the session ends. */
  boolean over(long nowMillis) {
    return nowMillis >= expiresMillis + leewayMillis;
  }

  /** Seconds left before {@code exp} when {@code expiring} is due now (once per token), else -1. */
  long warningDue(long nowMillis) {
    if (warned || nowMillis < warnAtMillis) {
      return -1;
    }
    warned = true;
    return Math.max(0, (expiresMillis - nowMillis) / 1000);
  }
}
