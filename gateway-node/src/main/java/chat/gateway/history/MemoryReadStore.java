package chat.gateway.history;

import chat.gateway.message.Position;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ReadStore} of an embedded node: markers by the channel they are kept in (a group's by member, a user's own
 * channel's by the other party), counted by the {@link MemoryHistoryStore}'s counters. A leave takes the user's
 * marker out of the group ({@link #left}); a user's conversations' markers go with the user's channel's history
 * ({@link #sweep}).
 */
public final class MemoryReadStore implements ReadStore {
  private final MemoryHistoryStore history;
  /** Channel kept in, to field (reader in a group, other party in a user's channel), to the marker. */
  private final Map<String, Map<String, Stored>> markers = new ConcurrentHashMap<>();
  /** A group's member count, by group id. */
  private final java.util.function.ToLongFunction<String> members;

  private record Stored(MemoryHistoryStore.Tally tally, Position position) {
  }

  public MemoryReadStore(MemoryHistoryStore history, java.util.function.ToLongFunction<String> members) {
    this.history = history;
    this.members = members;
  }

  @Override
  public Future<Marker> mark(String reader, Channel channel, Position position) {
    boolean group = channel.isGroup();
    String keptIn = group ? channel.name() : Channel.user(reader).name();
    String other = group ? null : channel.id();
    MemoryHistoryStore.Tally tally = history.tally(keptIn, position, reader, other);
    if (tally == null) {
      return Future.failedFuture(new ProtocolException(ErrorCode.NOT_FOUND, group
          ? "no message at that position in " + channel.name()
          : "no message of your conversation with " + channel.id() + " at that position"));
    }
    long count = group ? members.applyAsLong(channel.id()) : 0;
    Stored now = new Stored(tally, position);
    Stored kept = markers.computeIfAbsent(keptIn, c -> new ConcurrentHashMap<>())
        .merge(group ? reader : other, now, (old, next) -> old.tally().born() == next.tally().born()
            && old.position().compareTo(next.position()) >= 0 ? old : next);
    return Future.succeededFuture(new Marker(kept.position(), kept.tally().id(), kept == now, count));
  }

  @Override
  public Future<Map<String, Integer>> unread(String reader, Collection<String> groups) {
    Map<String, Integer> unread = new LinkedHashMap<>();
    String own = Channel.user(reader).name();
    markers.getOrDefault(own, Map.of()).forEach((other, marker) ->
        unread.put(Channel.user(other).name(), history.unread(own, marker.tally(), reader, other, MAX_UNREAD)));
    for (String group : groups) {
      String channel = Channel.group(group).name();
      Stored marker = markers.getOrDefault(channel, Map.of()).get(reader);
      if (marker != null) {
        unread.put(channel, history.unread(channel, marker.tally(), reader, null, MAX_UNREAD));
      }
    }
    return Future.succeededFuture(unread);
  }

  @Override
  public Future<Position> marker(String reader, Channel group) {
    Stored marker = markers.getOrDefault(group.name(), Map.of()).get(reader);
    return Future.succeededFuture(marker == null ? null : marker.position());
  }

  /** {@code user} left {@code group}: the marker goes with the membership. */
  public void left(String user, String group) {
    Map<String, Stored> kept = markers.get(Channel.group(group).name());
    if (kept != null) {
      kept.remove(user);
    }
  }

  /** Forgets the conversations' markers of users whose channel's history is gone. */
  public void sweep() {
    markers.keySet().removeIf(channel -> channel.startsWith("user/") && !history.holds(channel));
  }
}
