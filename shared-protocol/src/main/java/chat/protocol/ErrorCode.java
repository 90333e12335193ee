package chat.protocol;

/**
 * The error codes of protocol v1, as they appear in {@code error} frames and in HTTP API error bodies.
 * {@link #temporary()} tells a client that the same request may succeed later unchanged.
 */
public enum ErrorCode {
  BAD_REQUEST("bad_request", 400, false),
  UNAUTHORIZED("unauthorized", 401, false),
  FORBIDDEN("forbidden", 403, false),
  NOT_FOUND("not_found", 404, false),
  TOO_LARGE("too_large", 413, false),
  RATE_LIMITED("rate_limited", 429, true),
  UNAVAILABLE("unavailable", 503, true),
  INTERNAL("internal", 500, true);

  private final String wire;
  private final int httpStatus;
  private final boolean temporary;

  ErrorCode(String wire, int httpStatus, boolean temporary) {
    this.wire = wire;
    this.httpStatus = httpStatus;
    this.temporary = temporary;
  }

  /** The code as written on the wire, e.g. {@code bad_request}. */
  public String wire() {
    return wire;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public boolean temporary() {
    return temporary;
  }

  public static ErrorCode fromWire(String wire) {
    for (ErrorCode code : values()) {
      if (code.wire.equals(wire)) {
        return code;
      }
    }
    throw new IllegalArgumentException("unknown error code: " + wire);
  }
}
