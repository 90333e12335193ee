package chat.gateway.auth;

import chat.gateway.access.GroupPatterns;

/**
 * Who a connection is: the user id, whether they may send to {@code broadcast}, the closed groups their
 * sign-in grants them (a token's {@code groups} claim), and when that sign-in ends: {@code expires} is the
 * token's {@code exp} in seconds since the epoch (0: never, a dev sign-in by name), {@code lifetime} how long
 * the token lives ({@code exp} - {@code iat}, or - the time it was presented).
 */
public record Identity(String user, boolean admin, GroupPatterns groups, long expires, long lifetime) {

  /** A user whose sign-in grants no closed group and does not end. */
  public Identity(String user, boolean admin) {
    this(user, admin, GroupPatterns.NONE, 0, 0);
  }

  /** A sign-in that ends with its token's {@code exp}. */
  public boolean ends() {
    return expires > 0;
  }
}
