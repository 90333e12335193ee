package chat.protocol;

/**
 * A channel name: {@code user/{id}}, {@code group/{gid}} or {@code broadcast}.
 * Instances are only made by {@link #parse}, so every instance is valid.
 */
public record Channel(Kind kind, String id) {

  public enum Kind { USER, GROUP, BROADCAST }

  public static final Channel BROADCAST = new Channel(Kind.BROADCAST, null);
  private static final String USER_PREFIX = "user/";
  private static final String GROUP_PREFIX = "group/";

  public static Channel parse(String name) {
    if (name == null) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "channel is required");
    }
    if (name.equals("broadcast")) {
      return BROADCAST;
    }
    if (name.startsWith(USER_PREFIX) && Ids.valid(name.substring(USER_PREFIX.length()))) {
      return new Channel(Kind.USER, name.substring(USER_PREFIX.length()));
    }
    if (name.startsWith(GROUP_PREFIX) && Ids.valid(name.substring(GROUP_PREFIX.length()))) {
      return new Channel(Kind.GROUP, name.substring(GROUP_PREFIX.length()));
    }
    throw new ProtocolException(ErrorCode.BAD_REQUEST,
        "channel must be user/{id}, group/{id} or broadcast, ids of 1 to 64 characters of [A-Za-z0-9_.-]");
  }

  public static Channel user(String id) {
    return new Channel(Kind.USER, Ids.require(id, "user"));
  }

  public static Channel group(String id) {
    return new Channel(Kind.GROUP, Ids.require(id, "group"));
  }

  public boolean isUser() {
    return kind == Kind.USER;
  }

  public boolean isGroup() {
    return kind == Kind.GROUP;
  }

  public boolean isBroadcast() {
    return kind == Kind.BROADCAST;
  }

  /** The wire name, e.g. {@code group/dev}. */
  public String name() {
    return switch (kind) {
      case USER -> USER_PREFIX + id;
      case GROUP -> GROUP_PREFIX + id;
      case BROADCAST -> "broadcast";
    };
  }

  @Override
  public String toString() {
    return name();
  }
}
