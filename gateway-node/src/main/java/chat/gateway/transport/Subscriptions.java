package chat.gateway.transport;

import chat.gateway.cluster.Event;
import chat.gateway.membership.MembershipStore;
import chat.gateway.message.Catchup;
import chat.gateway.message.Position;
import chat.gateway.service.Unavailable;
import chat.protocol.Channel;
import chat.protocol.CloseCode;
import chat.protocol.ServerFrame;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The channels a session receives and how each catches up: its groups, subscribed on the hub, and the live
 * events of a channel held back while its replay or join position is read ({@link Catchup}), then released
 * minus what the replay covered (by position). Joins and leaves made elsewhere (control events, or found
 * after an outage) change the subscriptions here.
 */
final class Subscriptions {
  private final ClientConnection connection;
  private final Hub hub;
  private final Outbound out;
  private final TransportContext t;
  private final Set<String> groups = new HashSet<>();
  /**
   * Live events of a channel kept back while its replay (or join position) is read, and per channel the
   * last position a replay or join covered (live copies up to it are dropped; an idle connection keeps none).
   */
  private final Catchup<Event> catchup = new Catchup<>(
      e -> e instanceof Event.Message m ? m.message() : null,
      e -> e instanceof Event.Message m ? m.message().frame().length : 64);
  /** While connecting: groups a leave made elsewhere took away, which the groups read may still list. */
  private Set<String> leftWhileConnecting;

  Subscriptions(ClientConnection connection, Hub hub, Outbound out, TransportContext t) {
    this.connection = connection;
    this.hub = hub;
    this.out = out;
    this.t = t;
  }

  /** The groups this session is in (its view: what it subscribed to). */
  Set<String> groups() {
    return groups;
  }

  Catchup<Event> catchup() {
    return catchup;
  }

  /** The session's channels, in the order {@code connected} lists them: its own, broadcast, its groups sorted. */
  List<String> channels(String user) {
    List<String> channels = new ArrayList<>();
    channels.add(Channel.user(user).name());
    channels.add(Channel.BROADCAST.name());
    groups.stream().sorted().forEach(g -> channels.add(Channel.group(g).name()));
    return channels;
  }

  /** Connect begins: the user's own channel and broadcast are held until their replays are out. */
  void connecting(String user) {
    catchup.hold(Channel.user(user).name());
    catchup.hold(Channel.BROADCAST.name());
    leftWhileConnecting = new HashSet<>();
  }

  /** Connect ended, one way or the other. */
  void connected() {
    leftWhileConnecting = null;
  }

  /** Subscribes to the groups read at connect (but those left meanwhile); the first session says online. */
  Future<Void> subscribeRead(List<String> read, String user, boolean cameOnline) {
    List<String> added = new ArrayList<>();
    for (String group : read) {
      if (!leftWhileConnecting.contains(group) && groups.add(group)) {
        catchup.hold(Channel.group(group).name());
        added.add(group);
      }
    }
    if (cameOnline) {
      t.chat().sessions().cameOnline(user, List.copyOf(groups));
    }
    return (added.isEmpty() ? Future.<Void>succeededFuture() : hub.subscribeGroups(connection, added))
        .recover(Unavailable::of);
  }

  /**
   * Subscribes to {@code group} and answers {@code joined} with the group's head position: live messages
   * held meanwhile follow it, minus those at or before it; then announces {@code joined} (this session's join as
   * stored), if new. Also how the user's other sessions learn of a join made elsewhere (then without {@code ref},
   * and with nothing to announce: null). Where the node already receives the group, the head is where the node
   * stands in it (every later message reaches this session live), which saves a read of the store per join, unless
   * the group's history may have expired since (then its head is a new epoch's, read).
   */
  void subscribeAndAnnounce(Long ref, String group, MembershipStore.Joined joined) {
    String channel = Channel.group(group).name();
    if (groups.add(group)) {
      catchup.hold(channel);
    }
    connection.whenDone(hub.subscribeGroup(connection, group).recover(Unavailable::of)
        .compose(v -> t.chat().messages().head(channel, hub.liveHead(channel))), ar -> {
      if (ar.failed()) {
        out.fail(ar.cause(), ref, null);
        return;
      }
      Position head = ar.result();
      out.send(new ServerFrame.Joined(ref, channel, head.wire()));
      catchup.floor(channel, head);
      release(channel);
      if (joined != null && joined.added()) {
        t.chat().memberships().announceJoined(connection.user(), group, joined.othersToTell());
      }
    });
  }

  /** Stops receiving {@code group}; false if the session was not in it. */
  boolean unsubscribe(String group) {
    if (!groups.remove(group)) {
      return false;
    }
    hub.unsubscribeGroup(connection, group);
    catchup.forget(Channel.group(group).name());
    return true;
  }

  /** Writes what was held for {@code channel}, in order (messages the replay covered are dropped). */
  void release(String channel) {
    catchup.release(channel).forEach(connection::deliver);
  }

  /**
   * A live event for this session, once it is past connect. {@code wire}: the event's frame encoded once for
   * every recipient on this loop ({@link WireFrames}), null to write it from the event. True when a message
   * went out as {@code wire}: the fan-out records those metrics at once.
   */
  boolean deliver(Event event, ByteBuf wire) {
    if (event instanceof Event.Control c) {
      control(c);
      return false;
    }
    if (event instanceof Event.Unrecovered u) {
      catchup.clearFloor(u.channel());
      out.send(new ServerFrame.Recovery(u.channel(), false));
      return false;
    }
    if (catchup.offer(event.channel(), event)) {
      if (catchup.heldBytes() > t.config().outboundQueueBytes()) {
        out.tooSlow();
      }
      return false;
    }
    if (!catchup.fresh(event)) {
      return false;
    }
    if (event instanceof Event.Message m) {
      if (wire != null) {
        return out.wire(wire);
      }
      out.message(m.message(), null);
    } else if (event instanceof Event.Member m) {
      if (wire == null) {
        out.shared(m.frame(), "member", null);
      } else if (out.wire(wire)) {
        t.metrics().frameOut("member");
      }
    }
    return false;
  }

  /** Joins and leaves this session missed (during an outage): subscribes to groups it lacks, leaves the others. */
  void reconcile(List<String> read) {
    if (out.closing()) {
      return;
    }
    Set<String> current = new HashSet<>(read);
    for (String group : List.copyOf(groups)) {
      if (!current.contains(group) && unsubscribe(group)) {
        out.send(new ServerFrame.Left(null, Channel.group(group).name()));
      }
    }
    for (String group : read) {
      if (!groups.contains(group)) {
        subscribeAndAnnounce(null, group, null);
      }
    }
  }

  private void control(Event.Control c) {
    if (connection.isConnecting()) {
      controlWhileConnecting(c);
      return;
    }
    switch (c.kind()) {
      case SUBSCRIBE -> {
        if (!groups.contains(c.group())) {
          subscribeAndAnnounce(null, c.group(), null);
        }
      }
      case UNSUBSCRIBE -> {
        if (unsubscribe(c.group())) {
          out.send(new ServerFrame.Left(null, Channel.group(c.group()).name()));
        }
      }
      case DISCONNECT -> out.close(CloseCode.FORBIDDEN, "disconnected by the server");
    }
  }

  /**
   * A join or leave made elsewhere while this session connects: no frame yet (the client learns its groups
   * from {@code connected}), only the subscriptions change.
   */
  private void controlWhileConnecting(Event.Control c) {
    switch (c.kind()) {
      case SUBSCRIBE -> {
        leftWhileConnecting.remove(c.group());
        if (groups.add(c.group())) {
          catchup.hold(Channel.group(c.group()).name());
          hub.subscribeGroup(connection, c.group());
        }
      }
      case UNSUBSCRIBE -> {
        leftWhileConnecting.add(c.group());
        unsubscribe(c.group());
      }
      case DISCONNECT -> out.close(CloseCode.FORBIDDEN, "disconnected by the server");
    }
  }
}
