package chat.gateway.auth;

import chat.gateway.access.GroupPatterns;

/**
 * Who a connection is: the user id, whether they may send to {@code broadcast}, and the closed groups their
 * sign-in grants them (a token's {@code groups} claim).
 */
public record Identity(String user, boolean admin, GroupPatterns groups) {

  /** A user whose sign-in grants no closed group. */
  public Identity(String user, boolean admin) {
    this(user, admin, GroupPatterns.NONE);
  }
}
