package chat.gateway.transport;

import chat.gateway.auth.Identity;
import chat.gateway.cluster.Event;
import chat.gateway.hook.ClientRequest;
import chat.gateway.registry.SessionInfo;
import chat.gateway.registry.SessionRegistry;
import chat.protocol.ClientFrame;
import chat.protocol.CloseCode;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import chat.protocol.ServerFrame;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.util.List;
import java.util.Set;

/**
 * One client WebSocket: the protocol state machine (awaiting {@code connect}, connecting, open, closed) and
 * the wiring of its jobs, each a class of its own: {@link FrameIntake} (frames in, within the limits),
 * {@link SessionStart} (connect, resume, catching up after an outage), {@link Requests} (and the
 * {@link HistoryQueue}), {@link Subscriptions} (channels and catch-up) and {@link Outbound} (writes and the
 * close policy). Confined to its hub's event loop; replies from stores are brought back to it
 * ({@link #whenDone}).
 */
final class ClientConnection implements FrameIntake.Handler {
  private enum State { AWAITING_CONNECT, CONNECTING, OPEN, CLOSED }

  private final WebSocketChannel socket;
  private final Hub hub;
  private final TransportContext t;
  private final Thread loop = Thread.currentThread();
  private final long openedAt;
  /** Held from the upgrade until {@code connected} (or the end): the node's admission counts it as pending. */
  private final Admission.Ticket admission;
  private final Outbound out;
  private final FrameIntake intake;
  private final Subscriptions subscriptions;
  private final SessionStart start;
  /** Made at the first {@code history} request: most sessions never ask. */
  private HistoryQueue history;
  /** Made at the session's first typing frame: most sessions never type. */
  private TypingPace typingPace;
  /** For a session whose sign-in ends with its token; null otherwise. */
  private TokenLifetime lifetime;
  /** Made at the first send through the publish hook. */
  private ScreenedSends screenedSends;
  /**
   * Under hook sign-in, what the upgrade request said, for the connect hook: kept after {@code connect} only
   * while a refresh may ask it again (the sign-in ends); null otherwise.
   */
  private ClientRequest clientRequest;
  private State state = State.AWAITING_CONNECT;
  private boolean registered;
  private boolean memberBatches;
  private Identity identity;
  private SessionInfo session;
  /**
   * On the hub's responsive clock: the last frame read, the last ping queued, and when the oldest ping written since
   * that read went out (not after the read: none unanswered).
   */
  private long lastReadAt;
  private long lastPingAt;
  private long unansweredPingAt;

  ClientConnection(WebSocketChannel socket, Hub hub, TransportContext t, Admission.Ticket admission,
                   ClientRequest clientRequest) {
    this.socket = socket;
    this.clientRequest = clientRequest;
    this.admission = admission;
    this.hub = hub;
    this.t = t;
    this.openedAt = hub.responsiveMillis(t.clock().millis());
    this.lastReadAt = openedAt;
    this.lastPingAt = openedAt;
    this.unansweredPingAt = openedAt;
    this.out = new Outbound(socket, t);
    this.intake = new FrameIntake(this, out, t);
    this.subscriptions = new Subscriptions(this, hub, out, t);
    this.start = new SessionStart(this, subscriptions, out, hub, t);
  }

  void start() {
    hub.attach(this);
    t.metrics().connectionOpened();
    // last: frames the client sent with its upgrade request are handed over here
    socket.owner(new WebSocketChannel.Owner() {
      @Override
      public void frame(WebSocketFrame frame) {
        lastReadAt = hub.responsiveMillis(t.clock().millis());
        intake.frame(frame);
      }

      @Override
      public void closed() {
        onClosed();
      }
    });
  }

  // ---- the state machine -------------------------------------------------------------------------

  @Override
  public boolean waiting() {
    return state == State.CONNECTING || start.replaying();
  }

  @Override
  public void handle(ClientFrame frame) {
    t.metrics().frameIn(frame.type());
    try {
      if (state == State.AWAITING_CONNECT) {
        if (frame instanceof ClientFrame.Connect connect) {
          state = State.CONNECTING;
          memberBatches = connect.features().contains(ClientFrame.Connect.MEMBER_BATCHES);
          start.connect(connect);
        } else {
          out.error(new ProtocolException(ErrorCode.UNAUTHORIZED, "the first frame must be connect"));
          out.close(CloseCode.UNAUTHORIZED, "the first frame must be connect");
        }
        return;
      }
      if (!(frame instanceof ClientFrame.Ping || frame instanceof ClientFrame.Refresh) && t.linkDown().getAsBoolean()) {
        throw new ProtocolException(ErrorCode.UNAVAILABLE,
            "this node's link to the cluster is down; the session stays open, retry shortly");
      }
      Requests.handle(this, frame);
    } catch (ProtocolException e) {
      out.error(e.answering(frame.ref(), frame.seqOrNull()));
    } catch (RuntimeException e) {
      out.fail(e, frame.ref(), frame.seqOrNull());
    }
  }

  /** Signed in: who this session is (connect goes on to register it). */
  void signedIn(Identity identity, SessionInfo session) {
    this.identity = identity;
    this.session = session;
    if (!identity.ends()) {
      clientRequest = null; // no refresh will ask the connect hook again
    }
    followToken(identity);
  }

  /**
   * A refresh took: the new token's grants and role hold from the next request on, and its deadline from now.
   * Returns the deadline (ms since the epoch).
   */
  long refreshed(Identity renewed) {
    identity = renewed;
    followToken(renewed);
    return lifetime.expiresMillis();
  }

  /** A sign-in that ends with its token: the session ends with it too, unless refreshed. */
  private void followToken(Identity signedIn) {
    if (!signedIn.ends()) {
      return;
    }
    if (lifetime == null) {
      lifetime = new TokenLifetime(signedIn, t.config().auth().leeway().toMillis());
    } else {
      lifetime.renewed(signedIn);
    }
  }

  /** The registry holds this session now: it must be taken out when the connection ends. */
  void registered() {
    registered = true;
  }

  /** {@code connected} went out: the session is open, and no longer pending for admission. */
  void opened() {
    state = State.OPEN;
    admission.connected();
  }

  /** The resume's replay is out: what the client sent meanwhile is answered now, in order. */
  void ready() {
    intake.release();
  }

  boolean isConnecting() {
    return state == State.CONNECTING;
  }

  boolean isClosed() {
    return state == State.CLOSED;
  }

  Identity identity() {
    return identity;
  }

  /** The upgrade request's facts for the connect hook (hook sign-in only; else null). */
  ClientRequest clientRequest() {
    return clientRequest;
  }

  String sessionId() {
    return session.session();
  }

  ScreenedSends screenedSends() {
    if (screenedSends == null) {
      screenedSends = new ScreenedSends(this);
    }
    return screenedSends;
  }

  String user() {
    return identity.user();
  }

  String device() {
    return session.device();
  }

  Set<String> groups() {
    return subscriptions.groups();
  }

  TransportContext context() {
    return t;
  }

  TypingPace typingPace() {
    if (typingPace == null) {
      typingPace = new TypingPace();
    }
    return typingPace;
  }

  Outbound out() {
    return out;
  }

  Subscriptions subscriptions() {
    return subscriptions;
  }

  HistoryQueue history() {
    if (history == null) {
      history = new HistoryQueue(this, out, t);
    }
    return history;
  }

  // ---- from the hub --------------------------------------------------------------------------------

  void deliver(Event event) {
    deliver(event, null);
  }

  /** A live event for this session ({@link Subscriptions#deliver}); none before {@code connect}. */
  boolean deliver(Event event, ByteBuf wire) {
    if (out.closing() || state == State.AWAITING_CONNECT) {
      return false;
    }
    return subscriptions.deliver(event, wire);
  }

  /** Whether member events reach this session in {@code members} batches (it asked for them at connect). */
  boolean wantsMemberBatches() {
    return memberBatches;
  }

  /** Writes a {@code members} batch, encoded once for the whole group; none before {@code connected}. */
  void writeMembers(byte[] frame) {
    if (state == State.OPEN) {
      out.shared(frame, "members", null);
    }
  }

  /**
   * Deadlines, on the hub's responsive clock ({@code now}): time the event loop spent running late is not
   * counted against the client, so a node short of CPU does not close the sessions it failed to read.
   * Returns whether a heartbeat ping is due (the hub sends it, {@link #ping}).
   */
  boolean tick(long now) {
    if (out.closing()) {
      return false;
    }
    if (state == State.AWAITING_CONNECT && now - openedAt >= t.config().connectTimeout().toMillis()) {
      out.close(CloseCode.UNAUTHORIZED, "no connect within " + t.config().connectTimeout().toSeconds() + " s");
      return false;
    }
    if (lifetime != null && state == State.OPEN && !tokenLifetime()) {
      return false;
    }
    long heartbeat = t.config().heartbeat().toMillis();
    if (silentTooLong(now, lastReadAt, unansweredPingAt, heartbeat)) {
      out.close(CloseCode.HEARTBEAT_TIMEOUT, "no frame or pong for two heartbeats");
      return false;
    }
    if (now - lastPingAt >= heartbeat && out.canPing()) {
      lastPingAt = now;
      return true;
    }
    return false;
  }

  /** Warns of the token's end, or ends the session; false when it ended. On the wall clock: a token's time is. */
  private boolean tokenLifetime() {
    long wall = t.clock().millis();
    if (lifetime.over(wall)) {
      out.close(CloseCode.UNAUTHORIZED, "token expired");
      return false;
    }
    long in = lifetime.warningDue(wall);
    if (in >= 0) {
      out.send(new ServerFrame.Expiring(in));
    }
    return true;
  }

  /**
   * A heartbeat: writes a duplicate of {@code ping} (a batch's ping frame, {@link WireFrames#ping}) if still open.
   * One that could not be written is due again at the next tick.
   */
  void ping(ByteBuf ping) {
    if (out.ping(ping)) {
      unansweredPingAt = oldestUnansweredPing(unansweredPingAt, lastReadAt, hub.responsiveMillis(t.clock().millis()));
    } else {
      lastPingAt -= t.config().heartbeat().toMillis(); // due again at the next tick
    }
  }

  /** When the oldest unanswered ping went out, after one more ping was written at {@code now}. */
  static long oldestUnansweredPing(long unansweredPingAt, long lastReadAt, long now) {
    return unansweredPingAt > lastReadAt ? unansweredPingAt : now;
  }

  /**
   * Whether a peer is taken for dead: nothing read for two heartbeats, and the oldest ping written since the last
   * read (if any) out for a whole heartbeat unanswered. A ping goes out up to a tick and a pacing slice after it is
   * due, and that lateness is the node's: counting silence alone, a client whose pong took more than what was left
   * of the two heartbeats (half of one, at heartbeats up to 4 s) would be closed.
   */
  static boolean silentTooLong(long now, long lastReadAt, long unansweredPingAt, long heartbeat) {
    boolean pingUnanswered = unansweredPingAt > lastReadAt;
    return now - lastReadAt >= 2 * heartbeat && (!pingUnanswered || now - unansweredPingAt >= heartbeat);
  }

  boolean closing() {
    return out.closing();
  }

  void close(CloseCode code, String reason) {
    if (state != State.CLOSED) {
      out.close(code, reason);
    }
  }

  /** After an outage: back into the registry and up to date with the groups ({@link SessionStart#catchUpWithStores}). */
  Future<Void> catchUpWithStores(SessionRegistry.Standing standing) {
    if (state != State.OPEN || out.closing() || !registered) {
      return Future.succeededFuture();
    }
    return start.catchUpWithStores(standing, session);
  }

  // ---- the end -------------------------------------------------------------------------------------

  private void onClosed() {
    intake.discard();
    admission.closed();
    state = State.CLOSED;
    out.closed();
    hub.detach(this, identity == null ? null : identity.user(), List.copyOf(subscriptions.groups()));
    t.metrics().connectionClosed();
    unregister();
  }

  /**
   * Takes the session out of the registry, once (whether it closed open or while connecting). If Redis
   * cannot be reached now, the hub retries when the link is back: a stale entry would keep the user
   * online and route their direct messages here.
   */
  void unregister() {
    if (!registered) {
      return;
    }
    registered = false;
    List<String> left = List.copyOf(subscriptions.groups());
    SessionInfo closed = session;
    int code = socket.closeCode();
    t.chat().sessions().closed(closed, left, code)
        .onFailure(e -> hub.unregisterLater(() -> t.chat().sessions().closed(closed, left, code)));
  }

  // ---- the event loop ------------------------------------------------------------------------------

  /** {@code future}, completed on this connection's event loop, so what follows may touch its state. */
  <T> Future<T> onLoop(Future<T> future) {
    Promise<T> promise = Promise.promise();
    whenDone(future, promise::handle);
    return promise.future();
  }

  /** Runs {@code handler} on this connection's event loop when {@code future} completes. */
  <T> void whenDone(Future<T> future, Handler<AsyncResult<T>> handler) {
    future.onComplete(ar -> {
      if (Thread.currentThread() == loop) {
        handler.handle(ar);
      } else {
        hub.context().runOnContext(v -> handler.handle(ar));
      }
    });
  }
}
