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

  /**
   * (1.1) The frame of a message version: an edit ({@code replaces} the first version's id, with its body), a deletion
   * ({@code deletes}, no body), or, with {@code bodyJson} null, a version whose body a deletion erased
   * ({@code "deleted":true}, no body).
   */
  public static String json(String channel, String id, Position position, String from, String to, long ts,
                            String bodyJson, String replaces, String deletes) {
    if (replaces == null && deletes == null && bodyJson != null) {
      return json(channel, id, position, from, to, ts, bodyJson);
    }
    StringBuilder json = new StringBuilder(160 + (bodyJson == null ? 0 : bodyJson.length()))
        .append("{\"type\":\"message\",\"channel\":\"").append(channel).append("\",\"id\":\"").append(id)
        .append("\",\"position\":\"").append(position.wire()).append("\",\"from\":\"").append(from)
        .append("\",\"to\":\"").append(to).append("\",\"ts\":").append(ts);
    if (replaces != null) {
      json.append(",\"replaces\":\"").append(replaces).append('"');
    }
    if (deletes != null) {
      json.append(",\"deletes\":\"").append(deletes).append('"');
    } else if (bodyJson == null) {
      json.append(",\"deleted\":true");
    } else {
      json.append(",\"body\":").append(bodyJson);
    }
    return json.append('}').toString();
  }

  /** Bytes a stored message frame adds around its body, at most (ids of 64 characters, long positions). */
  public static int envelopeBytes() {
    return 420;
  }
}
