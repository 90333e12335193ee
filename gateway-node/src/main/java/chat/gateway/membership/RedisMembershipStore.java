package chat.gateway.membership;

import chat.gateway.config.WebhookConfig;
import chat.gateway.redis.RedisCommands;
import chat.gateway.redis.RedisKeys;
import chat.gateway.redis.RedisScript;
import chat.gateway.webhook.Recording;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link MembershipStore} on Redis: a set of groups per user (in the user's slot) and a set of members per
 * group (in the group's slot, where the publish script checks it), changed one after the other on a Redis Cluster and
 * by one script on one Redis.
 */
public final class RedisMembershipStore implements MembershipStore {
  private final RedisCommands redis;
  private final RedisKeys keys;

  private final Recording webhooks;
  private final java.time.Clock clock;

  public RedisMembershipStore(RedisCommands redis, Recording webhooks, java.time.Clock clock) {
    this.redis = redis;
    this.keys = redis.keys();
    this.webhooks = webhooks;
    this.clock = clock;
  }

  /** The group's side of a change, with its {@code member} webhook event (member.lua); whether the set changed. */
  private Future<Boolean> groupSide(String op, String user, String group) {
    String channel = "group/" + group;
    List<String> webhookKeys = webhooks.keysFor(channel);
    String max = webhooks.max(WebhookConfig.Type.MEMBER);
    return webhooks.told(channel, max, redis.script(RedisScript.MEMBER,
        List.of(keys.members(group), webhookKeys.get(0), webhookKeys.get(1), keys.reads(channel)),
        List.of(op, user, channel, Long.toString(clock.millis()), max))).map(r -> r.toInteger() == 1);
  }

  /**
   * Both sides at once (join-leave.lua), where every key may be in one script: {1 when either set changed, 0 when
   * neither did, -1 for a join past the user's cap; for a join, the user's sessions registered besides
   * {@code session}}.
   */
  private Future<int[]> bothSides(String op, String user, String group, int maxGroups, String session) {
    String channel = "group/" + group;
    List<String> webhookKeys = webhooks.keysFor(channel);
    String max = webhooks.max(WebhookConfig.Type.MEMBER);
    return redis.script(RedisScript.JOIN_LEAVE,
        List.of(keys.groupsOf(user), keys.members(group), webhookKeys.get(0), webhookKeys.get(1), keys.reads(channel),
            keys.sessions(user)),
        List.of(op, user, group, channel, Long.toString(clock.millis()), max, Integer.toString(maxGroups),
            session == null ? "" : session))
        .map(RedisMembershipStore::pair);
  }

  /**
   * The user's side first (where the cap is checked, and the user's other sessions counted with it: one slot), then the
   * group's member set: two slots on a cluster, one script where every key may be in one. Either write may be the
   * one already there (a join retried after half of it failed completes it).
   */
  @Override
  public Future<Joined> join(String user, String group, int maxGroups, String session) {
    Future<int[]> changed = keys.cluster()
        ? userSide("join", user, group, maxGroups, session).compose(u -> u[0] < 0 ? Future.succeededFuture(u)
            : groupSide("join", user, group).map(added -> new int[] {added ? 1 : u[0], u[1]}))
        : bothSides("join", user, group, maxGroups, session);
    return changed.compose(c -> c[0] < 0 ? Future.failedFuture(MembershipStore.full(maxGroups))
        : Future.succeededFuture(new Joined(c[0] == 1, c[1])));
  }

  /**
   * The user's side first (new sessions no longer subscribe to the group), then the group's member set
   * (sends are refused where they are stored). A leave retried after half of it failed completes it.
   */
  @Override
  public Future<Boolean> leave(String user, String group) {
    if (!keys.cluster()) {
      return bothSides("leave", user, group, 0, null).map(c -> c[0] == 1);
    }
    return userSide("leave", user, group, 0, null).compose(u -> groupSide("leave", user, group)
        .map(removed -> u[0] == 1 || removed));
  }

  @Override
  public Future<Boolean> member(String user, String group) {
    return redis.send(Command.SISMEMBER, keys.groupsOf(user), group).map(r -> r.toInteger() == 1);
  }

  @Override
  public Future<List<String>> groupsOf(String user) {
    return redis.send(Command.SMEMBERS, keys.groupsOf(user)).map(RedisMembershipStore::strings);
  }

  @Override
  public Future<List<String>> members(String group) {
    return redis.send(Command.SMEMBERS, keys.members(group)).map(RedisMembershipStore::strings);
  }

  /** One SCARD per group, pipelined on one connection: one round trip for all of them. */
  @Override
  public Future<Map<String, Long>> sizes(Collection<String> groups) {
    List<String> ordered = List.copyOf(groups);
    List<Future<Response>> counts = new ArrayList<>();
    for (String group : ordered) {
      counts.add(redis.send(Command.SCARD, keys.members(group)));
    }
    return Future.all(counts).map(all -> {
      Map<String, Long> sizes = new LinkedHashMap<>();
      for (int i = 0; i < ordered.size(); i++) {
        sizes.put(ordered.get(i), counts.get(i).result().toLong());
      }
      return sizes;
    });
  }

  /**
   * membership.lua: {1 when the user's set changed, 0 when not, -1 past the cap; for a join, the user's sessions
   * registered besides {@code session}}.
   */
  private Future<int[]> userSide(String op, String user, String group, int maxGroups, String session) {
    return redis.script(RedisScript.MEMBERSHIP, List.of(keys.groupsOf(user), keys.sessions(user)),
        List.of(op, group, Integer.toString(maxGroups), session == null ? "" : session))
        .map(RedisMembershipStore::pair);
  }

  private static int[] pair(Response reply) {
    return new int[] {reply.get(0).toInteger(), reply.get(1).toInteger()};
  }

  static List<String> strings(Response set) {
    List<String> values = new ArrayList<>();
    if (set != null) {
      for (Response r : set) {
        values.add(r.toString());
      }
    }
    return values;
  }
}
