package chat.gateway.testing;

import io.vertx.core.json.JsonObject;

/** Client frames as the suites write them. */
public final class Frames {
  private Frames() {
  }

  public static JsonObject send(long seq, String channel, Object body) {
    return new JsonObject().put("type", "send").put("seq", seq).put("channel", channel).put("body", body);
  }

  public static JsonObject join(long ref, String channel) {
    return new JsonObject().put("type", "join").put("ref", ref).put("channel", channel);
  }
}
