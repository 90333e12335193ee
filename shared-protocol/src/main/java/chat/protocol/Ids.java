package chat.protocol;

/** Ids of users, groups and devices: 1 to 64 characters of {@code [A-Za-z0-9_.-]}. */
public final class Ids {
  public static final int MAX_LENGTH = 64;

  private Ids() {
  }

  public static boolean valid(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Returns {@code id} if valid, else throws {@code bad_request} naming {@code what}. */
  public static String require(String id, String what) {
    if (!valid(id)) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST,
          what + " must be 1 to 64 characters of [A-Za-z0-9_.-]");
    }
    return id;
  }
}
