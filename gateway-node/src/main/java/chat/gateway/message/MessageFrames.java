package chat.gateway.message;

import java.nio.charset.StandardCharsets;

/**
 * Encodes {@code message} frames. Every field but the body is an id, a channel name, a position or a
 * number, none of which need JSON escaping, and the body is JSON already, so this is concatenation.
 */
public final class MessageFrames {
  private MessageFrames() {
  }

  public static byte[] encode(String channel, String id, Position position, String from, String to, long ts,
                              String bodyJson) {
    return json(channel, id, position, from, to, ts, bodyJson).getBytes(StandardCharsets.UTF_8);
  }

  /** The frame as text. */
  public static String json(String channel, String id, Position position, String from, String to, long ts,
                            String bodyJson) {
    return "{\"type\":\"message\",\"channel\":\"" + channel + "\",\"id\":\"" + id
        + "\",\"position\":\"" + position.wire() + "\",\"from\":\"" + from + "\",\"to\":\"" + to
        + "\",\"ts\":" + ts + ",\"body\":" + bodyJson + "}";
  }

  /** Bytes a stored message frame adds around its body, at most (ids of 64 characters, long positions). */
  public static int envelopeBytes() {
    return 420;
  }
}
