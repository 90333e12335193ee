package chat.gateway.transport;

import chat.gateway.auth.Identity;
import chat.gateway.cluster.Event;
import chat.gateway.message.Catchup;
import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import chat.gateway.message.StoredMessage;
import chat.gateway.registry.Registration;
import chat.gateway.registry.SessionInfo;
import chat.gateway.registry.SessionRegistry;
import chat.gateway.service.Unavailable;
import chat.protocol.ClientFrame;
import chat.protocol.CloseCode;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import chat.protocol.ServerFrame;
import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's start and resume: {@code connect} (sign-in, registry, the user's groups), the resume's replay
 * a page at a time, and, after an outage, putting the session back where the stores lost it.
 *
 * <p>Order matters: the user's channel is subscribed first, then the session registered (what concerns a
 * user is routed to the nodes in the registry), and only then the user's groups read (on Redis in the same
 * script), so a leave or a disconnect made elsewhere is either in what is read or reaches this session. History
 * is read last: whatever is published after the read arrives live, and is held until the replay is out.
 */
final class SessionStart {
  private final ClientConnection connection;
  private final Subscriptions subscriptions;
  private final Outbound out;
  private final Hub hub;
  private final TransportContext t;
  /** Channels whose resume replay is still being written, in order ({@link #replayRest}); null when none. */
  private ArrayDeque<String> replaying;

  SessionStart(ClientConnection connection, Subscriptions subscriptions, Outbound out, Hub hub, TransportContext t) {
    this.connection = connection;
    this.subscriptions = subscriptions;
    this.out = out;
    this.hub = hub;
    this.t = t;
  }

  /** Whether the resume's replay is still being written (frames the client sends meanwhile wait). */
  boolean replaying() {
    return replaying != null;
  }

  void connect(ClientFrame.Connect connect) {
    connection.whenDone(t.authenticator().signIn(connect, connection.clientRequest()), ar -> {
      if (connection.isClosed()) {
        return;
      }
      if (ar.succeeded()) {
        signedIn(connect, ar.result());
        return;
      }
      ProtocolException e = ar.cause() instanceof ProtocolException p ? p
          : new ProtocolException(ErrorCode.INTERNAL, "could not sign in");
      out.error(e);
      // keys that cannot be fetched now are the provider's trouble, not the client's: it comes back later
      out.close(e.code() == ErrorCode.UNAVAILABLE ? CloseCode.BACKEND_UNAVAILABLE : CloseCode.UNAUTHORIZED,
          e.getMessage());
    });
  }

  private void signedIn(ClientFrame.Connect connect, Identity identity) {
    if (t.refusing().getAsBoolean()) {
      out.error(new ProtocolException(ErrorCode.UNAVAILABLE,
          "this node is not taking clients now (draining, or its cluster link is down); connect to another"));
      out.close(CloseCode.DRAINING, "server not ready; reconnect");
      return;
    }
    String user = identity.user();
    SessionInfo session = new SessionInfo(t.config().nodeId() + "-" + t.chat().messages().newId(), user, connect.device(),
        t.config().nodeId(), t.clock().millis());
    connection.signedIn(identity, session);
    subscriptions.connecting(user);
    // Each step that touches this connection or its hub runs on the loop (onLoop): a store or the broker
    // may answer on another event loop, and the hub's member sets are iterated there meanwhile.
    connection.whenDone(connection.onLoop(hub.subscribeSession(connection, user)).recover(Unavailable::of)
        .compose(v -> connection.onLoop(t.chat().sessions().start(session)).onSuccess(r -> {
          connection.registered();
          if (r.userHead() != null) {
            hub.userChannelStartsAt(user, r.userHead());
          }
        }))
        .compose(r -> connection.onLoop(subscriptions.subscribeRead(r.groups(), user, r.count() == 1)))
        .compose(v -> opening(user, connect.resume())), ar -> {
          subscriptions.connected();
          if (connection.isClosed()) {
            connection.unregister();
            return;
          }
          if (ar.failed()) {
            out.fail(ar.cause(), null, null);
            closeRefused(ar.cause());
            return;
          }
          opened(identity, session, ar.result());
        });
  }

  /**
   * The end of a connect that could not start the session: {@code forbidden} (too many sessions, banned)
   * closes 4003; a store that could not answer is temporary, so the client comes back (to this node or
   * another) rather than backing off as from a server bug.
   */
  private void closeRefused(Throwable cause) {
    ErrorCode code = cause instanceof ProtocolException e ? e.code() : ErrorCode.INTERNAL;
    if (code == ErrorCode.FORBIDDEN) {
      out.close(CloseCode.FORBIDDEN, cause.getMessage());
    } else if (code.temporary() && code != ErrorCode.INTERNAL) {
      out.close(CloseCode.DRAINING, "could not start the session now; reconnect");
    } else {
      out.close(CloseCode.INTERNAL, "could not start the session");
    }
  }

  /** What {@code connected} tells: each resumed channel's replay, and the unread counts (1.1). */
  private record Opening(Map<String, Replay> replays, Map<String, Integer> unread) {
  }

  /** The resume's replays and the unread counts, read at once (the groups are subscribed: this runs on the loop). */
  private Future<Opening> opening(String user, Map<String, String> resume) {
    Future<Map<String, Integer>> unread = t.chat().reads().unread(user, List.copyOf(subscriptions.groups()));
    return replays(resume).compose(replays -> unread.map(counts -> new Opening(replays, counts)));
  }

  /** For each channel to resume: whether its position is still good, and whether messages follow it. */
  private Future<Map<String, Replay>> replays(Map<String, String> resume) {
    Catchup<Event> catchup = subscriptions.catchup();
    Map<String, Replay> replays = new LinkedHashMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, String> entry : resume.entrySet()) {
      String channel = entry.getKey();
      if (!catchup.holding(channel)) {
        replays.put(channel, Replay.NOT_RECOVERED);
        continue;
      }
      Position after;
      try {
        after = Position.parse(entry.getValue());
      } catch (ProtocolException e) {
        replays.put(channel, Replay.NOT_RECOVERED);
        continue;
      }
      catchup.floor(channel, after);
      // Only whether the position is still good (and whether messages follow): the messages themselves
      // are read after connected, a page at a time, as fast as the client reads them (replayRest).
      chain = chain.compose(v -> t.chat().messages().since(channel, after, 0)
          .map(replay -> {
            replays.put(channel, replay);
            return null;
          }));
    }
    return chain.map(replays);
  }

  private void opened(Identity identity, SessionInfo session, Opening opening) {
    Map<String, Replay> replays = opening.replays();
    Map<String, Boolean> recovered = new LinkedHashMap<>();
    replays.forEach((channel, replay) -> recovered.put(channel, replay.recovered()));
    List<String> channels = subscriptions.channels(identity.user());
    out.send(new ServerFrame.Connected(session.session(), identity.user(), t.config().nodeId(),
        (int) t.config().heartbeat().toSeconds(), channels, recovered, opening.unread(),
        new ServerFrame.Rate(t.config().rateLimitPerSecond(), t.config().rateLimitBurst())));
    connection.opened();
    Catchup<Event> catchup = subscriptions.catchup();
    replaying = new ArrayDeque<>();
    for (Map.Entry<String, Replay> entry : replays.entrySet()) {
      if (!catchup.holding(entry.getKey())) {
        continue;
      }
      if (!entry.getValue().recovered()) {
        catchup.clearFloor(entry.getKey());
      } else if (entry.getValue().more()) {
        replaying.add(entry.getKey());
      }
    }
    // Channels with messages to replay stay held until their replay is out; the others go live now.
    channels.stream().filter(c -> !replaying.contains(c)).forEach(subscriptions::release);
    replayRest();
  }

  /**
   * Replays the channels of {@link #replaying}, one after the other, a page of {@code historyPageBytes} at a
   * time, reading the next page only once the socket has taken the last: a resume over long histories costs
   * Redis and the heap one page at a time per session, never the whole backlog. A page that finds history
   * trimmed meanwhile ends that channel's replay with a {@code recovery} notice. Frames the client sends
   * meanwhile are answered after the replay.
   */
  private void replayRest() {
    if (out.closing() || replaying == null) {
      return;
    }
    String channel = replaying.peek();
    if (channel == null) {
      replaying = null;
      connection.ready();
      return;
    }
    Catchup<Event> catchup = subscriptions.catchup();
    Position after = catchup.floorOf(channel);
    if (after == null || !catchup.holding(channel)) { // left meanwhile
      replaying.poll();
      replayRest();
      return;
    }
    connection.whenDone(t.chat().messages().since(channel, after, t.historyPageBytes()), ar -> {
      if (out.closing()) {
        return;
      }
      Replay page = ar.succeeded() ? ar.result() : Replay.NOT_RECOVERED;
      List<StoredMessage> messages = page.messages();
      boolean next = page.recovered() && page.more();
      for (int i = 0; i < messages.size(); i++) {
        StoredMessage m = messages.get(i);
        // the next page once the socket has taken the last message of this one
        out.message(m, next && i == messages.size() - 1 ? out.onceWritten(this::replayRest) : null);
        catchup.floor(channel, m.position());
      }
      if (next) {
        if (messages.isEmpty()) {
          replayRest();
        }
        return;
      }
      if (!page.recovered()) {
        catchup.clearFloor(channel);
        out.send(new ServerFrame.Recovery(channel, false));
      }
      replaying.poll();
      subscriptions.release(channel);
      replayRest();
    });
  }

  /**
   * After an outage: puts this session back into the registry if its node's liveness lapsed (another node's
   * sweep took it out), and brings its groups up to date. If Redis lost its data, the session's groups are
   * written back (they are the memberships that survive); otherwise they are read again, since a join or
   * leave made elsewhere during the outage was not announced to this node.
   */
  Future<Void> catchUpWithStores(SessionRegistry.Standing standing, SessionInfo session) {
    String user = session.user();
    // the user's groups as they stand: read, or brought by the registration that puts the session back
    Future<List<String>> read = standing == SessionRegistry.Standing.KNOWN ? t.chat().memberships().groupsOf(user)
        : t.chat().sessions().opened(session, List.copyOf(subscriptions.groups())).map(Registration::groups);
    Future<Void> done;
    if (standing == SessionRegistry.Standing.DATA_LOST) {
      List<String> mine = List.copyOf(subscriptions.groups()); // read here, on the loop: registration may complete elsewhere
      done = read.compose(lost -> t.chat().memberships().restore(user, mine));
    } else {
      connection.whenDone(read, ar -> {
        if (ar.succeeded()) {
          subscriptions.reconcile(ar.result());
        }
      });
      done = read.mapEmpty();
    }
    // Banned or disconnected while the link was down: this session should not be there any more.
    connection.whenDone(done, ar -> {
      if (ar.failed() && ar.cause() instanceof ProtocolException e && e.code() == ErrorCode.FORBIDDEN) {
        out.close(CloseCode.FORBIDDEN, e.getMessage());
      }
    });
    return done;
  }
}
