package chat.gateway.webhook;

import chat.gateway.config.WebhookConfig;
import chat.gateway.config.WebhookConfig.Type;
import chat.gateway.redis.RedisCommands;
import chat.gateway.redis.RedisKeys;
import chat.gateway.redis.Topology;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import java.util.List;

/**
 * What the Redis scripts need to record webhook events with what they report: the event stream and stats keys of
 * the slot they run in, and per event type the backlog bound ({@code ""} when the type is not posted: the script
 * records nothing). Where webhooks are off the keys are stand-ins in the script's own slot, never written.
 *
 * <p>On a Redis Cluster a shard's deliverer reads only the slots it is told hold events: once a script that may
 * have recorded one has run, {@link #told} counts it in the shard's hash of slots (after, never before: a deliverer
 * that read the slot empty and took it out of the hash meanwhile would miss the event). A node that dies between the
 * two leaves the event to the deliverer's sweep of every slot ({@link RedisWebhookShard}).
 */
public final class Recording {
  private final WebhookConfig config;
  private final RedisCommands redis;
  private final RedisKeys keys;
  private volatile ShardSlots shards;

  public Recording(WebhookConfig config, RedisCommands redis) {
    this.config = config;
    this.redis = redis;
    this.keys = redis.keys();
  }

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

  /**
   * The event stream and stats keys of the slot of {@code owner} (the hash tag of what the script touches:
   * {@code group/dev}, {@code user/alice}), or two stand-ins in that slot when webhooks are off.
   */
  public List<String> keysFor(String owner) {
    int slot = keys.slotOf(owner);
    return config.on() ? List.of(keys.webhookEvents(slot), keys.webhookStats(slot))
        : List.of(keys.unused(owner), keys.unused(owner));
  }

  /**
   * {@code script}, which ran with {@link #keysFor}({@code owner}) and the bound {@code max}: on a cluster, once it
   * has run, its slot is told to its shard's deliverer (when {@code max} is empty it recorded nothing).
   */
  public <T> Future<T> told(String owner, String max, Future<T> script) {
    if (!keys.cluster() || max.isEmpty()) {
      return script;
    }
    return script.andThen(ar -> {
      if (ar.succeeded()) {
        int slot = keys.slotOf(owner);
        int shard = shards().shardOf(slot);
        if (shard >= 0) {
          redis.send(Command.HINCRBY, keys.webhookSlots(shard), Integer.toString(slot), "1");
        }
      }
    });
  }

  private ShardSlots shards() {
    ShardSlots known = shards;
    Topology now = redis.topology();
    if (known == null || known.topology() != now) {
      shards = known = ShardSlots.of(now, true);
    }
    return known;
  }
}
