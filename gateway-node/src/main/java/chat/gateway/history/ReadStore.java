package chat.gateway.history;

import chat.gateway.message.Position;
import chat.protocol.Channel;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.Map;

/**
 * (1.1) Read markers and unread counts. A marker is kept per (user, group), in the group, and per (user, direct
 * conversation), in the user's own channel, where the conversation's messages are (the user's copies); it only
 * moves forward. Unread counts come from counters the store keeps as messages are stored, never from reading the
 * history: messages from others counted up to the marker when it was set, against counted now.
 *
 * <p>A group's markers go with the membership (a leave takes the user's out); a conversation's expire with the
 * user's channel's history.
 */
public interface ReadStore {

  /** The most messages an unread count reports. */
  int MAX_UNREAD = chat.protocol.ServerFrame.Connected.MAX_UNREAD;

  /**
   * A marker as stored after a read: {@code position} and the {@code id} of the message there; {@code moved} when
   * this read moved it (else a later one was stored before); {@code members}: the group's member count (0 for a
   * conversation).
   */
  record Marker(Position position, String id, boolean moved, long members) {
  }

  /**
   * {@code reader} has read {@code channel} (a group, or {@code user/{other}}) up to {@code position}: a position of
   * the group's history, or of the reader's own channel holding a message of the conversation with {@code other}.
   * Fails {@code not_found} when it is not (another channel's, another conversation's, no longer kept, or never
   * stored: newer than the newest).
   */
  Future<Marker> mark(String reader, Channel channel, Position position);

  /**
   * The unread counts of {@code reader}: for each of {@code groups} (ids) with a marker, by channel name
   * ({@code group/dev}), and for each direct conversation with one ({@code user/bob}); at most {@link #MAX_UNREAD}
   * each. For a marker of history that was lost since, every kept message from others counts.
   */
  Future<Map<String, Integer>> unread(String reader, Collection<String> groups);

  /** The reader's marker in {@code group} (a group channel); null when none is stored. */
  Future<Position> marker(String reader, Channel group);
}
