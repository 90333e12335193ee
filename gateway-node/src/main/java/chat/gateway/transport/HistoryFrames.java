package chat.gateway.transport;

import chat.gateway.history.Page;
import chat.gateway.message.Position;
import chat.gateway.message.StoredMessage;
import java.nio.charset.StandardCharsets;

/** Encodes history answers around the stored message frames, without decoding them. */
public final class HistoryFrames {
  private HistoryFrames() {
  }

  /** The {@code history} frame of the WebSocket protocol; {@code read}: the user's read marker (1.1), null for none. */
  public static String encode(Long ref, String channel, Page page, Position read) {
    StringBuilder json = new StringBuilder(256).append("{\"type\":\"history\"");
    if (ref != null) {
      json.append(",\"ref\":").append(ref);
    }
    json.append(",\"channel\":\"").append(channel).append("\",");
    appendMessages(json, page);
    if (read != null) {
      json.append(",\"read\":\"").append(read.wire()).append('"');
    }
    return json.append('}').toString();
  }

  /** The body of {@code GET /api/history/{channel}}. */
  public static String encodeApi(Page page) {
    return appendMessages(new StringBuilder(256).append('{'), page).append('}').toString();
  }

  private static StringBuilder appendMessages(StringBuilder json, Page page) {
    json.append("\"messages\":[");
    boolean first = true;
    for (StoredMessage m : page.messages()) {
      if (!first) {
        json.append(',');
      }
      json.append(new String(m.frame(), StandardCharsets.UTF_8));
      first = false;
    }
    return json.append("],\"more\":").append(page.more());
  }
}
