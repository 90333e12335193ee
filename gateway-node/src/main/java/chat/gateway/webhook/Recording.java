package chat.gateway.webhook;

import chat.gateway.config.WebhookConfig;
import chat.gateway.config.WebhookConfig.Type;
import chat.gateway.redis.RedisKeys;
import java.util.List;

/**
 * What the Redis scripts need to record webhook events with what they report: the shard's event stream and stats
 * keys, and per event type the backlog bound ({@code ""} when the type is not posted: the script records nothing).
 * Where webhooks are off the keys are stand-ins in the script's own slot, never written.
 */
public record Recording(WebhookConfig config, RedisKeys keys) {

  /** The bound to pass for {@code type}: {@code ""} records nothing. */
  public String max(Type type) {
    return config.posts(type) ? Long.toString(config.maxBacklog()) : "";
  }

  /** The bound for a session change: recorded when session or presence events are posted. */
  public String maxForSessions() {
    return config.posts(Type.SESSION) || config.posts(Type.PRESENCE) ? Long.toString(config.maxBacklog()) : "";
  }

  /** Which of the session and presence events are posted ({@code "session,presence"}, one of them, or empty). */
  public String sessionTypes() {
    return (config.posts(Type.SESSION) ? "session," : "") + (config.posts(Type.PRESENCE) ? "presence" : "");
  }

  /** The event stream and stats keys, or two stand-ins in the slot of {@code owner} when webhooks are off. */
  public List<String> keysFor(String owner) {
    return config.on() ? List.of(keys.webhookEvents(), keys.webhookStats()) : List.of(keys.unused(owner), keys.unused(owner));
  }
}
