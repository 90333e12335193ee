package chat.protocol;

/**
 * WebSocket close codes the gateway uses. {@link #reconnect()} is what a well-behaved client does
 * after seeing the code: codes meaning "your request is wrong" stop, the others reconnect with resume.
 * {@link #HEARTBEAT_TIMEOUT}, {@link #PROTOCOL_ERROR} and {@link #INVALID_TEXT} are additive to the
 * protocol's table.
 */
public enum CloseCode {
  NORMAL(1000, false),
  HEARTBEAT_TIMEOUT(1001, true),
  PROTOCOL_ERROR(1002, false),
  /** A text frame that is not UTF-8 (RFC 6455, 8.1). */
  INVALID_TEXT(1007, false),
  TOO_BIG(1009, false),
  UNAUTHORIZED(4001, false),
  FORBIDDEN(4003, false),
  TOO_SLOW(4008, true),
  RATE_LIMITED(4029, true),
  DRAINING(4100, true),
  /** (1.1) A backend the node needs (a hook, a key set, a store) is unavailable: reconnect with backoff, resume. */
  BACKEND_UNAVAILABLE(4503, true),
  INTERNAL(4500, true);

  private final short code;
  private final boolean reconnect;

  CloseCode(int code, boolean reconnect) {
    this.code = (short) code;
    this.reconnect = reconnect;
  }

  public short code() {
    return code;
  }

  public boolean reconnect() {
    return reconnect;
  }

  /** Whether a client should reconnect after a close with this numeric code (unknown codes: yes, with backoff). */
  public static boolean shouldReconnect(Short code) {
    if (code == null) {
      return true;
    }
    for (CloseCode c : values()) {
      if (c.code == code) {
        return c.reconnect;
      }
    }
    return true;
  }
}
