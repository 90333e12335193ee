package chat.gateway.transport;

import chat.gateway.cluster.Event;
import chat.protocol.FrameCodec;
import chat.protocol.ServerFrame;
import io.vertx.core.Context;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One hub's member events for the sessions that asked for {@code member_batches}: per group, the latest
 * membership event ({@code joined}/{@code left}) and the latest status event ({@code online}/{@code offline})
 * of each user during an interval, then one {@code members} frame per group, encoded once and written to
 * each such session of the group. A ramp of N members into a group so costs each member a frame per
 * interval instead of N frames. Confined to the hub's event loop.
 */
final class MemberBatches {
  private final Context context;
  private final long intervalMillis;
  /** Per group channel: the pending events by user and kind, in the order of their latest update. */
  private final Map<String, Batch> pending = new LinkedHashMap<>();
  private boolean scheduled;

  private record Batch(Map<String, ServerFrame.MemberEvent> events, Supplier<Collection<ClientConnection>> members) {
  }

  MemberBatches(Context context, long intervalMillis) {
    this.context = context;
    this.intervalMillis = intervalMillis;
  }

  /** Adds {@code member} to its group's batch; {@code members} gives the group's sessions when it is sent. */
  void add(Event.Member member, Supplier<Collection<ClientConnection>> members) {
    Batch batch = pending.computeIfAbsent(member.channel(), c -> new Batch(new LinkedHashMap<>(), members));
    boolean membership = member.kind().equals("joined") || member.kind().equals("left");
    String key = member.user() + (membership ? "|membership" : "|status");
    batch.events().remove(key);
    batch.events().put(key, new ServerFrame.MemberEvent(member.user(), member.kind()));
    if (!scheduled) {
      scheduled = true;
      context.owner().setTimer(intervalMillis, id -> flush());
    }
  }

  private void flush() {
    scheduled = false;
    for (Map.Entry<String, Batch> entry : pending.entrySet()) {
      Collection<ClientConnection> members = entry.getValue().members().get();
      if (members == null || members.isEmpty()) {
        continue;
      }
      byte[] frame = FrameCodec.encode(new ServerFrame.Members(entry.getKey(),
          new ArrayList<>(entry.getValue().events().values()))).getBytes(StandardCharsets.UTF_8);
      for (ClientConnection connection : new ArrayList<>(members)) {
        if (connection.wantsMemberBatches()) {
          connection.writeMembers(frame);
        }
      }
    }
    pending.clear();
  }
}
