package chat.gateway.service;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.Event;
import chat.gateway.history.ReadStore;
import chat.gateway.message.Position;
import chat.gateway.metrics.GatewayMetrics;
import chat.protocol.Channel;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.Map;

/**
 * (1.1) Read markers: a user's read position per group and per direct conversation, moved only forward, told to the
 * user's other sessions and, as receipts, to the other party of a conversation and to the members of a group of at most
 * {@code receiptGroupMembers}; and the unread counts they give at connect. Whether the user may mark the channel is
 * {@link chat.gateway.access.Permissions}'s to decide first.
 */
public final class ReadMarkers {
  private final ReadStore store;
  private final Broker broker;
  private final GatewayMetrics metrics;
  private final long receiptGroupMembers;

  ReadMarkers(ReadStore store, Broker broker, GatewayMetrics metrics, long receiptGroupMembers) {
    this.store = store;
    this.broker = broker;
    this.metrics = metrics;
    this.receiptGroupMembers = receiptGroupMembers;
  }

  /**
   * {@code reader} (in {@code session}) read {@code channel} up to {@code position}: the marker as stored (a later one
   * stored before stays). When it moved, the others are told; that telling is not waited for (like a typing frame it
   * is not stored or replayed: a session that misses it reads the marker in its next {@code history}).
   */
  public Future<ReadStore.Marker> read(String reader, String session, Channel channel, Position position) {
    return store.mark(reader, channel, position).recover(Unavailable::of).onSuccess(marker -> {
      metrics.read(marker.moved());
      if (!marker.moved()) {
        return;
      }
      String at = marker.position().wire();
      String own = Channel.user(reader).name();
      if (channel.isGroup()) {
        boolean everyone = marker.members() <= receiptGroupMembers;
        broker.publish(Event.Read.of(everyone ? channel.name() : own, channel.name(), reader, at, marker.id(), session));
      } else {
        broker.publish(Event.Read.of(own, channel.name(), reader, at, marker.id(), session));
        broker.publish(Event.Read.of(channel.name(), own, reader, at, marker.id(), session));
      }
    });
  }

  /** The unread counts of {@code reader} in {@code groups} (ids) and every conversation with a marker. */
  public Future<Map<String, Integer>> unread(String reader, Collection<String> groups) {
    return store.unread(reader, groups).recover(Unavailable::of);
  }

  /** The reader's marker in a group (for {@code history}); null when none, or for another kind of channel. */
  public Future<Position> marker(String reader, Channel channel) {
    return channel.isGroup() ? store.marker(reader, channel).recover(Unavailable::of) : Future.succeededFuture();
  }
}
