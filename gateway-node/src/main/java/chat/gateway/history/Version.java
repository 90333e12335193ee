package chat.gateway.history;

/**
 * (1.1) What a send does to an earlier message: nothing (a new message, {@link #NONE}), a new version of it
 * ({@code replaces} its first version's id), or its deletion ({@code deletes}). {@code anyAuthor}: the application's
 * (the HTTP API's) deletion, of anyone's message; a user may change only their own.
 */
public record Version(String replaces, String deletes, boolean anyAuthor) {
  public static final Version NONE = new Version(null, null, false);
  /** Characters of randomness after the time in an id ({@code IdGenerator}: the ms in base 36, then these). */
  private static final int RANDOM_CHARS = 13;

  public static Version replacing(String id) {
    return new Version(id, null, false);
  }

  public static Version deleting(String id, boolean anyAuthor) {
    return new Version(null, id, anyAuthor);
  }

  /** The id of the message changed; null for a new message. */
  public String target() {
    return replaces != null ? replaces : deletes;
  }

  public boolean changes() {
    return target() != null;
  }

  /**
   * When the target was accepted (ms), read from its id; -1 for an id this gateway cannot have made (such a message is
   * not found). Its stored copies are at or after this time in their channels.
   */
  public long targetMillis() {
    return millisOf(target());
  }

  /** When message {@code id} was accepted (ms), read from the id; -1 for an id this gateway cannot have made. */
  public static long millisOf(String id) {
    if (id == null || id.length() <= RANDOM_CHARS || id.length() > RANDOM_CHARS + 12) {
      return -1;
    }
    try {
      return Long.parseLong(id, 0, id.length() - RANDOM_CHARS, 36);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
