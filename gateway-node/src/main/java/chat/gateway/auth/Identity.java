package chat.gateway.auth;

import chat.gateway.access.NamePatterns;

/**
 * Who a connection is: the user id, whether they may send to {@code broadcast}, the closed groups their
 * sign-in grants them (a token's {@code groups} claim, a connect hook's {@code groups}), and when that sign-in
 * ends: {@code expiresAt} in ms since the epoch (a token's {@code exp}, a connect hook's {@code expires}; 0:
 * never, a dev sign-in by name), {@code lifetimeMillis} how long it lives (from the token's {@code iat}, or
 * from the time it was presented).
 */
public record Identity(String user, boolean admin, NamePatterns groups, long expiresAt, long lifetimeMillis) {

  /** A user whose sign-in grants no closed group and does not end. */
  public Identity(String user, boolean admin) {
    this(user, admin, NamePatterns.NONE, 0, 0);
  }

  /** A sign-in that ends (with its token's {@code exp}, or the connect hook's {@code expires}). */
  public boolean ends() {
    return expiresAt > 0;
  }
}
