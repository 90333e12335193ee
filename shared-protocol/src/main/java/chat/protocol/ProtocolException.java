package chat.protocol;

/** A request that breaks the protocol: carries the code and the {@code ref}/{@code seq} to echo. */
public final class ProtocolException extends RuntimeException {
  private final ErrorCode code;
  private final Long ref;
  private final Long seq;

  public ProtocolException(ErrorCode code, String message) {
    this(code, message, null, null);
  }

  public ProtocolException(ErrorCode code, String message, Long ref, Long seq) {
    super(message, null, false, false);
    this.code = code;
    this.ref = ref;
    this.seq = seq;
  }

  public ErrorCode code() {
    return code;
  }

  public Long ref() {
    return ref;
  }

  public Long seq() {
    return seq;
  }

  /** The same error, answering the request identified by {@code ref} and {@code seq}. */
  public ProtocolException answering(Long ref, Long seq) {
    return new ProtocolException(code, getMessage(), ref, seq);
  }
}
