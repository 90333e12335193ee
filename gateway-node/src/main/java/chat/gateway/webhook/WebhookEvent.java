package chat.gateway.webhook;

import chat.gateway.config.WebhookConfig.Type;
import io.vertx.core.json.JsonObject;

/**
 * One thing that happened, as the application is told it (1.1, "Webhooks"): its type, when ({@code ts}, ms since
 * the epoch) and what ({@code fields}); the {@code id} is given where it is recorded and never changes between
 * tries.
 */
public record WebhookEvent(Type type, long ts, JsonObject fields) {

  /** A message stored in {@code channel} ({@code message} as on the wire); a DM says whether its recipient was away. */
  public static WebhookEvent message(long ts, String channel, JsonObject message, boolean directToOffline) {
    JsonObject fields = new JsonObject().put("channel", channel).put("message", message);
    if (directToOffline) {
      fields.put("offline", true);
    }
    return new WebhookEvent(Type.MESSAGE, ts, fields);
  }

  /** {@code user} joined or left the group channel {@code channel}. */
  public static WebhookEvent member(long ts, String channel, String user, boolean joined) {
    return new WebhookEvent(Type.MEMBER, ts, new JsonObject().put("channel", channel).put("user", user)
        .put("event", joined ? "joined" : "left"));
  }

  /** {@code user}'s first session anywhere opened ({@code online}), or the last one closed. */
  public static WebhookEvent presence(long ts, String user, boolean online) {
    return new WebhookEvent(Type.PRESENCE, ts, new JsonObject().put("user", user).put("event", online ? "online" : "offline"));
  }

  /** A session opened, or closed with {@code code} (0 for an open). */
  public static WebhookEvent session(long ts, String user, String session, String node, boolean opened, int code) {
    JsonObject fields = new JsonObject().put("user", user).put("session", session).put("node", node)
        .put("event", opened ? "opened" : "closed");
    if (!opened) {
      fields.put("code", code);
    }
    return new WebhookEvent(Type.SESSION, ts, fields);
  }

  /** The event as posted: {@code {"id","type","ts",...}}. */
  public JsonObject toJson(String id) {
    JsonObject json = new JsonObject().put("id", id).put("type", type.wire()).put("ts", ts);
    fields.forEach(e -> json.put(e.getKey(), e.getValue()));
    return json;
  }
}
