package chat.gateway.history;

import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;

/**
 * Identifies one publish that is stored at most once: a device's send (a repeat of it gets the same ack
 * and is not delivered again), or an HTTP API publish with an idempotency key.
 *
 * @param scope       who publishes: {@code user:device} for a send (its commands keep their order), {@code api}
 * @param name        unique across both kinds: {@code user:device:seq}, or {@code api/<idempotency key>}
 *                    ({@code /} never occurs in a user id)
 * @param fingerprint what an API publish carried, so that a key used again for a different publish is refused
 *                    instead of answered with the first; empty for sends (a resend is acked whatever it carries)
 */
public record DedupeKey(String scope, String name, String fingerprint) {

  public static DedupeKey send(String user, String device, long seq) {
    String scope = user + ":" + device;
    return new DedupeKey(scope, scope + ":" + seq, "");
  }

  public static DedupeKey api(String idempotencyKey, String fingerprint) {
    return new DedupeKey("api", "api/" + idempotencyKey, fingerprint);
  }

  /** Whether a publish with this key may be answered with an earlier one stored with {@code earlier}. */
  public boolean sameRequest(String earlier) {
    return fingerprint.isEmpty() || earlier == null || earlier.isEmpty() || fingerprint.equals(earlier);
  }

  /** The refusal of this key when it was stored for a different publish. */
  public ProtocolException conflict() {
    return new ProtocolException(ErrorCode.BAD_REQUEST, "idempotency key " + name.substring(name.indexOf('/') + 1)
        + " was already used for a different publish (channel, from or body differ); use a new key");
  }
}
