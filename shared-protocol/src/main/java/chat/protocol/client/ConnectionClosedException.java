package chat.protocol.client;

/** The WebSocket closed before the request was answered; {@code code} is the close code (null if none). */
public final class ConnectionClosedException extends RuntimeException {
  private final Short code;
  private final String reason;

  public ConnectionClosedException(Short code, String reason) {
    super("connection closed: " + code + " " + reason, null, false, false);
    this.code = code;
    this.reason = reason;
  }

  public Short code() {
    return code;
  }

  public String reason() {
    return reason;
  }
}
