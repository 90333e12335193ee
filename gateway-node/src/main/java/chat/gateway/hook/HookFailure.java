package chat.gateway.hook;

import java.util.Locale;

/**
 * A hook that did not answer as it must: never a yes. {@code kind} is what went wrong, as the metrics and the
 * log name it.
 */
public final class HookFailure extends RuntimeException {
  /** How a hook call failed. */
  public enum Kind {
    /** No answer within {@code HOOK_TIMEOUT}. */
    TIMEOUT,
    /** No connection (refused, reset, unknown host, TLS). */
    CONNECTION,
    /** An HTTP status other than 200. */
    STATUS,
    /** A 200 whose body is not the expected JSON (or is too large). */
    BAD_ANSWER,
    /** {@code HOOK_MAX_IN_FLIGHT} calls are open on this node already; not called. */
    OVERLOADED,
    /** The circuit breaker is open after repeated failures; not called. */
    OPEN;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Kind kind;

  HookFailure(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
