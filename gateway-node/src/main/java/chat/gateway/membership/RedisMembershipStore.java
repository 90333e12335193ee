package chat.gateway.membership;

import chat.gateway.redis.RedisCommands;
import chat.gateway.redis.RedisKeys;
import chat.gateway.redis.RedisScript;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link MembershipStore} on Redis: a set of groups per user and a set of members per group, changed together. */
public final class RedisMembershipStore implements MembershipStore {
  private final RedisCommands redis;
  private final RedisKeys keys;

  public RedisMembershipStore(RedisCommands redis) {
    this.redis = redis;
    this.keys = redis.keys();
  }

  @Override
  public Future<Boolean> join(String user, String group, int maxGroups) {
    return change("join", user, group, maxGroups).compose(r -> r < 0 ? Future.failedFuture(MembershipStore.full(maxGroups))
        : Future.succeededFuture(r == 1));
  }

  @Override
  public Future<Boolean> leave(String user, String group) {
    return change("leave", user, group, 0).map(r -> r == 1);
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

  private Future<Integer> change(String op, String user, String group, int maxGroups) {
    return redis.script(RedisScript.MEMBERSHIP, List.of(keys.groupsOf(user), keys.members(group)),
        List.of(op, group, user, Integer.toString(maxGroups))).map(Response::toInteger);
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
