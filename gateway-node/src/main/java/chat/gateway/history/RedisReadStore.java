package chat.gateway.history;

import chat.gateway.message.Position;
import chat.gateway.redis.RedisCommands;
import chat.gateway.redis.RedisKeys;
import chat.gateway.redis.RedisScript;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link ReadStore} on Redis. A marker is a field of the channel's {@code reads} hash, in the channel's slot, next to
 * the counters publish.lua keeps in its meta hash ({@code n}: a group's messages, {@code u:<sender>}: each sender's),
 * so a read is one script (read.lua) and the counts of a connect one script per slot (unread.lua), all sent at once:
 * one round trip, to each shard that holds the user's channels.
 */
public final class RedisReadStore implements ReadStore {
  private final RedisCommands redis;
  private final RedisKeys keys;
  private final long maxAgeMillis;
  /** The history window's count: a position past the window is not one to mark (lib/window.lua). */
  private final String window;

  public RedisReadStore(RedisCommands redis, Duration historyMaxAge, int historyMaxMessages) {
    this.redis = redis;
    this.keys = redis.keys();
    this.maxAgeMillis = historyMaxAge.toMillis();
    this.window = Integer.toString(historyMaxMessages);
  }

  @Override
  public Future<Marker> mark(String reader, Channel channel, Position position) {
    boolean group = channel.isGroup();
    String keptIn = group ? channel.name() : Channel.user(reader).name();
    String field = group ? reader : channel.id();
    return redis.script(RedisScript.READ,
        List.of(keys.reads(keptIn), keys.meta(keptIn), keys.stream(keptIn),
            group ? keys.members(channel.id()) : keys.unused(keptIn), keys.tombstones(keptIn)),
        List.of(field, position.epoch(), position.streamId(), reader, group ? "" : channel.id(),
            Long.toString(maxAgeMillis), window))
        .compose(reply -> {
          if (reply.size() == 1) {
            return Future.failedFuture(new ProtocolException(ErrorCode.NOT_FOUND, group
                ? "no message at that position in " + channel.name()
                : "no message of your conversation with " + channel.id() + " at that position"));
          }
          return Future.succeededFuture(new Marker(Position.ofStreamId(reply.get(1).toString(), reply.get(2).toString()),
              reply.get(3).toString(), reply.get(0).toString().equals("new"), reply.get(4).toLong()));
        });
  }

  @Override
  public Future<Map<String, Integer>> unread(String reader, Collection<String> groups) {
    List<String> channels = new ArrayList<>();
    channels.add(Channel.user(reader).name());
    groups.forEach(g -> channels.add(Channel.group(g).name()));
    // one script per slot (a cluster) or for all (one Redis: every slot is 0), every one sent before any answer
    Map<Integer, List<String>> bySlot = new TreeMap<>();
    for (String channel : channels) {
      bySlot.computeIfAbsent(keys.slotOf(channel), s -> new ArrayList<>()).add(channel);
    }
    List<Future<Map<String, Integer>>> parts = new ArrayList<>();
    for (List<String> slot : bySlot.values()) {
      parts.add(unreadIn(reader, slot));
    }
    return Future.all(parts).map(all -> {
      Map<String, Integer> unread = new LinkedHashMap<>();
      for (Future<Map<String, Integer>> part : parts) {
        unread.putAll(part.result());
      }
      return unread;
    });
  }

  private Future<Map<String, Integer>> unreadIn(String reader, List<String> channels) {
    List<String> keyList = new ArrayList<>(3 * channels.size());
    List<String> args = new ArrayList<>(3 + channels.size());
    args.add(reader);
    args.add(Integer.toString(MAX_UNREAD));
    for (String channel : channels) {
      keyList.add(keys.reads(channel));
      keyList.add(keys.meta(channel));
      keyList.add(keys.stream(channel));
      args.add(channel.startsWith("user/") ? "u" : "g");
    }
    args.add(window);
    return redis.script(RedisScript.UNREAD, keyList, args).map(reply -> {
      Map<String, Integer> unread = new LinkedHashMap<>();
      for (int i = 0; i + 2 < reply.size(); i += 3) {
        String other = reply.get(i + 1).toString();
        unread.put(other.isEmpty() ? channels.get(reply.get(i).toInteger() - 1) : Channel.user(other).name(),
            reply.get(i + 2).toInteger());
      }
      return unread;
    });
  }

  @Override
  public Future<Position> marker(String reader, Channel group) {
    return redis.send(Command.HGET, keys.reads(group.name()), reader).map(RedisReadStore::position);
  }

  /** The position of a stored marker ({@code epoch|streamId|id|others}); null for none. */
  private static Position position(Response marker) {
    if (marker == null) {
      return null;
    }
    String[] f = marker.toString().split("\\|", 3);
    return Position.ofStreamId(f[0], f[1]);
  }
}
