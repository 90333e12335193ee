package chat.gateway.transport;

import chat.gateway.access.Permissions;
import chat.gateway.auth.Identity;
import chat.gateway.cluster.Event;
import chat.gateway.history.DedupeKey;
import chat.gateway.message.Catchup;
import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import chat.gateway.message.StoredMessage;
import chat.gateway.registry.SessionInfo;
import chat.gateway.registry.SessionRegistry;
import chat.gateway.routing.ChatService;
import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import chat.protocol.CloseCode;
import chat.protocol.ErrorCode;
import chat.protocol.FrameCodec;
import chat.protocol.ProtocolException;
import chat.protocol.ServerFrame;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One client WebSocket: the protocol state machine (awaiting {@code connect}, connecting, open, closed),
 * the per-connection limits (rate, bad frames, outbound bytes, heartbeat).
 * Confined to its hub's event loop; replies from stores are brought back to it.
 *
 * <p>Resume and join without gaps or repeats ({@link Catchup}): a channel is subscribed first and its
 * live events are held; then history is read; then the replay is written, and the held events follow,
 * minus those the replay already covered (by position).
 */
final class ClientConnection {
  private static final System.Logger LOG = System.getLogger(ClientConnection.class.getName());
  private static final int BAD_FRAMES_BEFORE_CLOSE = 20;
  private static final int MAX_PIPELINED_DURING_CONNECT = 64;
  private static final int MAX_QUEUED_HISTORY = 16;

  private enum State { AWAITING_CONNECT, CONNECTING, OPEN, CLOSED }

  private final WebSocketChannel socket;
  private final Hub hub;
  private final TransportContext t;
  private final Thread loop = Thread.currentThread();
  private final long openedAt;
  private final TokenBucket rate;
  /** Held from the upgrade until {@code connected} (or the end): the node's admission counts it as pending. */
  private final Admission.Ticket admission;
  private final Set<String> groups = new HashSet<>();
  private State state = State.AWAITING_CONNECT;
  private boolean closing;
  private boolean registered;
  private boolean memberBatches;
  private Identity identity;
  private SessionInfo session;
  private long lastReadAt;
  private long lastPingAt;
  private int badFramesInRow;
  private int limitedInRow;
  /**
   * Live events of a channel kept back while its replay (or join position) is read, and per channel the
   * last position a replay or join covered (live copies up to it are dropped; an idle connection keeps none).
   */
  private final Catchup<Event> catchup = new Catchup<>(
      e -> e instanceof Event.Message m ? m.message() : null,
      e -> e instanceof Event.Message m ? m.message().frame().length : 64);
  private ArrayDeque<String> pipelined;
  /** History requests not answered yet, oldest (being read) first; null when none. */
  private ArrayDeque<ClientFrame.History> historyQueue;
  /** Channels whose resume replay is still being written, in order ({@link #replayRest}); null when none. */
  private ArrayDeque<String> replaying;
  /** While connecting: groups a leave made elsewhere took away, which the groups read may still list. */
  private Set<String> leftWhileConnecting;
  private final MessageAssembler assembler;


  ClientConnection(WebSocketChannel socket, Hub hub, TransportContext t, Admission.Ticket admission) {
    this.socket = socket;
    this.admission = admission;
    this.hub = hub;
    this.t = t;
    this.openedAt = hub.responsiveMillis(t.clock().millis());
    this.lastReadAt = openedAt;
    this.lastPingAt = openedAt;
    this.rate = new TokenBucket(t.config().rateLimitPerSecond(), t.config().rateLimitBurst(), t.clock().millis());
    this.assembler = new MessageAssembler(t.config().maxMessageBytes());
  }

  void start() {
    hub.attach(this);
    t.metrics().connectionOpened();
    // last: frames the client sent with its upgrade request are handed over here
    socket.owner(new WebSocketChannel.Owner() {
      @Override
      public void frame(WebSocketFrame frame) {
        onFrame(frame);
      }

      @Override
      public void closed() {
        onClosed();
      }
    });
  }

  // ---- inbound --------------------------------------------------------------------------------

  private void onFrame(WebSocketFrame frame) {
    lastReadAt = hub.responsiveMillis(t.clock().millis());
    if (closing) {
      return;
    }
    boolean continuation = frame instanceof ContinuationWebSocketFrame;
    boolean data = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame || continuation;
    if (!data || !frame.isFinalFragment() || continuation) {
      // Frames that are not a whole message (pings, pongs, fragments) cost a token of the rate limit too:
      // 5,000 pings or empty continuations would otherwise cost the client nothing and the node plenty.
      if (!chargeFrame()) {
        return;
      }
    }
    if (!data) {
      // A ping is answered while the outbound queue has room: a client that pings and never reads would
      // queue pongs without end, so a ping that finds the queue full closes the connection as any write would.
      if (frame instanceof PingWebSocketFrame ping && !socket.closed()) {
        if (socket.full()) {
          close(CloseCode.TOO_SLOW, "too slow: pings while the outbound queue is full");
        } else {
          socket.write(new PongWebSocketFrame(ping.content().retain()));
        }
      }
      return;
    }
    switch (assembler.add(frame)) {
      case TOO_BIG -> close(CloseCode.TOO_BIG, "message too big: the limit is " + t.config().maxMessageBytes() + " bytes");
      case BINARY -> {
        t.metrics().frameIn("invalid");
        badFrame(new ProtocolException(ErrorCode.BAD_REQUEST, "binary frames are not accepted; send JSON text frames"));
      }
      case TEXT -> onText(assembler.text());
      case INVALID_UTF8 -> {
        t.metrics().frameIn("invalid");
        close(CloseCode.INVALID_TEXT, "a text frame that is not UTF-8");
      }
      case INCOMPLETE -> { }
    }
  }

  /** Takes a rate-limit token for a frame that is not a whole message; false (and maybe a close) if none. */
  private boolean chargeFrame() {
    if (rate.tryTake(t.clock().millis())) {
      return true;
    }
    if (++limitedInRow >= t.config().rateLimitCloseAfter()) {
      close(CloseCode.RATE_LIMITED, "rate limited; retry-after=" + t.config().rateLimitRetryAfter().toSeconds());
    }
    return false;
  }

  private void onText(String text) {
    long now = t.clock().millis();
    if (!rate.tryTake(now)) {
      rateLimited(text);
      return;
    }
    limitedInRow = 0;
    if (state == State.CONNECTING || replaying != null) {
      // answered in order, after connected and the resume's replay
      pipeline(text);
      return;
    }
    ClientFrame frame;
    try {
      frame = FrameCodec.decodeClient(text);
    } catch (ProtocolException e) {
      t.metrics().frameIn("invalid");
      badFrame(e);
      return;
    }
    badFramesInRow = 0;
    handle(frame);
  }

  private void handle(ClientFrame frame) {
    t.metrics().frameIn(frame.type());
    try {
      if (state == State.AWAITING_CONNECT) {
        if (frame instanceof ClientFrame.Connect connect) {
          onConnect(connect);
        } else {
          sendError(new ProtocolException(ErrorCode.UNAUTHORIZED, "the first frame must be connect"));
          close(CloseCode.UNAUTHORIZED, "the first frame must be connect");
        }
        return;
      }
      if (!(frame instanceof ClientFrame.Ping) && t.linkDown().getAsBoolean()) {
        throw new ProtocolException(ErrorCode.UNAVAILABLE,
            "this node's link to the cluster is down; the session stays open, retry shortly");
      }
      if (frame instanceof ClientFrame.Send s) {
        onSend(s);
      } else if (frame instanceof ClientFrame.Join j) {
        onJoin(j);
      } else if (frame instanceof ClientFrame.Leave l) {
        onLeave(l);
      } else if (frame instanceof ClientFrame.History h) {
        onHistory(h);
      } else if (frame instanceof ClientFrame.Presence p) {
        onPresence(p);
      } else if (frame instanceof ClientFrame.Ping) {
        send(new ServerFrame.Pong());
      } else {
        throw new ProtocolException(ErrorCode.BAD_REQUEST, "already connected");
      }
    } catch (ProtocolException e) {
      sendError(e.answering(frame.ref(), frame.seqOrNull()));
    } catch (RuntimeException e) {
      fail(e, frame.ref(), frame.seqOrNull());
    }
  }

  private void badFrame(ProtocolException e) {
    sendError(e);
    if (++badFramesInRow >= BAD_FRAMES_BEFORE_CLOSE) {
      close(CloseCode.PROTOCOL_ERROR, BAD_FRAMES_BEFORE_CLOSE + " invalid frames in a row");
    }
  }

  private void rateLimited(String text) {
    Long ref = null;
    Long seq = null;
    try {
      ClientFrame frame = FrameCodec.decodeClient(text);
      ref = frame.ref();
      seq = frame.seqOrNull();
    } catch (ProtocolException e) {
      ref = e.ref();
      seq = e.seq();
    }
    sendError(new ProtocolException(ErrorCode.RATE_LIMITED, "too many frames; slow down", ref, seq));
    if (++limitedInRow >= t.config().rateLimitCloseAfter()) {
      close(CloseCode.RATE_LIMITED, "rate limited; retry-after=" + t.config().rateLimitRetryAfter().toSeconds());
    }
  }

  private void pipeline(String text) {
    if (pipelined == null) {
      pipelined = new ArrayDeque<>();
    }
    if (pipelined.size() >= MAX_PIPELINED_DURING_CONNECT) {
      sendError(new ProtocolException(ErrorCode.RATE_LIMITED,
          "wait for connected (and the resume's replay) before sending more frames"));
      return;
    }
    pipelined.add(text);
  }

  // ---- connect and resume --------------------------------------------------------------------

  private void onConnect(ClientFrame.Connect connect) {
    state = State.CONNECTING;
    memberBatches = connect.features().contains(ClientFrame.Connect.MEMBER_BATCHES);
    try {
      identity = t.authenticator().authenticate(connect);
    } catch (ProtocolException e) {
      sendError(e);
      close(CloseCode.UNAUTHORIZED, e.getMessage());
      return;
    }
    if (t.refusing().getAsBoolean()) {
      sendError(new ProtocolException(ErrorCode.UNAVAILABLE,
          "this node is not taking clients now (draining, or its cluster link is down); connect to another"));
      close(CloseCode.DRAINING, "server not ready; reconnect");
      return;
    }
    String user = identity.user();
    session = new SessionInfo(t.config().nodeId() + "-" + t.service().newId(), user, connect.device(),
        t.config().nodeId(), t.clock().millis());
    // Subscribe to the user's channel, then register (what concerns a user is routed to the nodes in the
    // registry), and only then read the user's groups: a leave or a disconnect made elsewhere is either in
    // what is read, or reaches this session. History is read last: whatever is published after the read
    // arrives live, and is held until the replay is out.
    String userChannel = Channel.user(user).name();
    catchup.hold(userChannel);
    catchup.hold(Channel.BROADCAST.name());
    leftWhileConnecting = new HashSet<>();
    // Each step that touches this connection or its hub runs on the loop (onLoop): a store or the broker
    // may answer on another event loop, and the hub's member sets are iterated there meanwhile.
    whenDone(onLoop(hub.subscribeSession(this, user, List.of())).recover(ChatService::unavailable)
        .compose(v -> onLoop(t.service().register(session)).onSuccess(count -> registered = true))
        .compose(count -> onLoop(t.service().groupsOf(user)).compose(list -> onLoop(subscribeGroups(list, count == 1))))
        .compose(v -> replays(connect.resume())), ar -> {
          if (state == State.CLOSED) {
            unregister();
            return;
          }
          leftWhileConnecting = null;
          if (ar.failed()) {
            fail(ar.cause(), null, null);
            closeRefused(ar.cause());
            return;
          }
          opened(ar.result());
        });
  }

  /** Subscribes to the groups read at connect (but those left meanwhile); the first session says online. */
  private Future<Void> subscribeGroups(List<String> read, boolean cameOnline) {
    List<String> added = new ArrayList<>();
    for (String group : read) {
      if (!leftWhileConnecting.contains(group) && groups.add(group)) {
        catchup.hold(Channel.group(group).name());
        added.add(group);
      }
    }
    if (cameOnline) {
      t.service().cameOnline(identity.user(), List.copyOf(groups));
    }
    return (added.isEmpty() ? Future.<Void>succeededFuture() : hub.subscribeGroups(this, added))
        .recover(ChatService::unavailable);
  }

  /**
   * The end of a connect that could not start the session: {@code forbidden} (too many sessions, banned)
   * closes 4003; a store that could not answer is temporary, so the client comes back (to this node or
   * another) rather than backing off as from a server bug.
   */
  private void closeRefused(Throwable cause) {
    ErrorCode code = cause instanceof ProtocolException e ? e.code() : ErrorCode.INTERNAL;
    if (code == ErrorCode.FORBIDDEN) {
      close(CloseCode.FORBIDDEN, cause.getMessage());
    } else if (code.temporary() && code != ErrorCode.INTERNAL) {
      close(CloseCode.DRAINING, "could not start the session now; reconnect");
    } else {
      close(CloseCode.INTERNAL, "could not start the session");
    }
  }

  private List<String> channels() {
    List<String> channels = new ArrayList<>();
    channels.add(Channel.user(identity.user()).name());
    channels.add(Channel.BROADCAST.name());
    groups.stream().sorted().forEach(g -> channels.add(Channel.group(g).name()));
    return channels;
  }

  private Future<Map<String, Replay>> replays(Map<String, String> resume) {
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
      chain = chain.compose(v -> t.service().since(channel, after, 0)
          .map(replay -> {
            replays.put(channel, replay);
            return null;
          }));
    }
    return chain.map(replays);
  }

  private void opened(Map<String, Replay> replays) {
    Map<String, Boolean> recovered = new LinkedHashMap<>();
    replays.forEach((channel, replay) -> recovered.put(channel, replay.recovered()));
    send(new ServerFrame.Connected(session.session(), identity.user(), t.config().nodeId(),
        (int) t.config().heartbeat().toSeconds(), channels(), recovered));
    state = State.OPEN;
    admission.connected();
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
    channels().stream().filter(c -> !replaying.contains(c)).forEach(this::release);
    replayRest();
  }

  /**
   * Replays the channels of {@link #replaying}, one after the other, a page of {@code historyPageBytes} at a
   * time, reading the next page only once the socket has taken the last: a resume over
   * long histories costs Redis and the heap one page at a time per session, never the whole backlog. A page
   * that finds history trimmed meanwhile ends that channel's replay with a {@code recovery} notice. Frames
   * the client sends meanwhile are answered after the replay, as before it was paged.
   */
  private void replayRest() {
    if (closing || replaying == null) {
      return;
    }
    String channel = replaying.peek();
    if (channel == null) {
      replaying = null;
      // what the client sent meanwhile, in order
      ArrayDeque<String> queued = pipelined;
      pipelined = null;
      if (queued != null) {
        queued.forEach(this::onText);
      }
      return;
    }
    Position after = catchup.floorOf(channel);
    if (after == null || !catchup.holding(channel)) { // left meanwhile
      replaying.poll();
      replayRest();
      return;
    }
    whenDone(t.service().since(channel, after, t.historyPageBytes()), ar -> {
      if (closing) {
        return;
      }
      Replay page = ar.succeeded() ? ar.result() : Replay.NOT_RECOVERED;
      List<StoredMessage> messages = page.messages();
      boolean next = page.recovered() && page.more();
      for (int i = 0; i < messages.size(); i++) {
        StoredMessage m = messages.get(i);
        // the next page once the socket has taken the last message of this one
        writeMessage(m, next && i == messages.size() - 1 ? onceWritten(this::replayRest) : null);
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
        send(new ServerFrame.Recovery(channel, false));
      }
      replaying.poll();
      release(channel);
      replayRest();
    });
  }

  // ---- requests --------------------------------------------------------------------------------

  private void onSend(ClientFrame.Send s) {
    Permissions.Send send = t.permissions().send(identity, s.channel(), groups);
    DedupeKey key = DedupeKey.send(identity.user(), session.device(), s.seq());
    whenDone(t.service().publish(identity.user(), s.channel(), s.body(), key, send), ar -> {
      if (ar.succeeded()) {
        send(new ServerFrame.Ack(s.seq(), ar.result().channel(), ar.result().id(), ar.result().position().wire()));
      } else {
        fail(ar.cause(), null, s.seq());
      }
    });
  }

  private void onJoin(ClientFrame.Join j) {
    String group = t.permissions().join(identity, j.channel());
    whenDone(t.service().join(identity.user(), group), ar -> {
      if (ar.failed()) {
        fail(ar.cause(), j.ref(), null);
        return;
      }
      subscribeAndAnnounce(j.ref(), group, ar.result());
    });
  }

  /**
   * Subscribes to {@code group} and answers {@code joined} with the group's head position: live messages
   * held meanwhile follow it, minus those at or before it. Also how the user's other sessions learn of a
   * join made elsewhere (then without {@code ref}).
   */
  private void subscribeAndAnnounce(Long ref, String group, boolean announce) {
    String channel = Channel.group(group).name();
    if (groups.add(group)) {
      catchup.hold(channel);
    }
    whenDone(hub.subscribeGroup(this, group).recover(ChatService::unavailable)
        .compose(v -> t.service().head(channel)), ar -> {
      if (ar.failed()) {
        fail(ar.cause(), ref, null);
        return;
      }
      send(new ServerFrame.Joined(ref, channel, ar.result().wire()));
      catchup.floor(channel, ar.result());
      release(channel);
      if (announce) {
        t.service().announceJoined(identity.user(), group);
      }
    });
  }

  private void onLeave(ClientFrame.Leave l) {
    String group = t.permissions().leave(identity, l.channel());
    whenDone(t.service().leave(identity.user(), group), ar -> {
      if (ar.failed()) {
        fail(ar.cause(), l.ref(), null);
        return;
      }
      unsubscribe(group);
      send(new ServerFrame.Left(l.ref(), l.channel().name()));
    });
  }

  /**
   * Queues a history request; they are answered one at a time, the next read only once the socket has taken
   * the last answer ({@link #onceWritten}). A client that asks for many pages at once gets them as fast as it
   * reads them, instead of a closed connection, and costs Redis and the heap one page at a time.
   */
  private void onHistory(ClientFrame.History h) {
    t.permissions().history(identity, h.channel(), groups);
    if (h.before() != null) {
      Position.parse(h.before()); // bad_request now, not when its turn comes
    }
    if (historyQueue == null) {
      historyQueue = new ArrayDeque<>();
    } else if (historyQueue.size() >= MAX_QUEUED_HISTORY) {
      throw new ProtocolException(ErrorCode.RATE_LIMITED,
          "at most " + MAX_QUEUED_HISTORY + " history requests wait at once; wait for their answers");
    }
    historyQueue.add(h);
    if (historyQueue.size() == 1) {
      nextHistory();
    }
  }

  private void nextHistory() {
    ClientFrame.History h = historyQueue.peek();
    try {
      t.permissions().history(identity, h.channel(), groups); // again: the user may have left the group while it waited
    } catch (ProtocolException e) {
      sendError(e.answering(h.ref(), null));
      historyDone();
      return;
    }
    Position before = h.before() == null ? null : Position.parse(h.before());
    whenDone(t.service().history(h.channel(), before, h.limit(), t.historyPageBytes()), ar -> {
      if (ar.failed()) {
        fail(ar.cause(), h.ref(), null);
        historyDone();
      } else {
        if (!writeText(HistoryFrames.encode(h.ref(), h.channel().name(), ar.result()), "history",
            onceWritten(this::historyDone))) {
          historyDone();
        }
      }
    });
  }

  private void historyDone() {
    historyQueue.poll();
    if (historyQueue.isEmpty()) {
      historyQueue = null;
    } else {
      nextHistory();
    }
  }

  private void onPresence(ClientFrame.Presence p) {
    t.permissions().presence(identity, p.channel(), groups);
    whenDone(t.service().presence(p.channel()), ar -> {
      if (ar.failed()) {
        fail(ar.cause(), p.ref(), null);
        return;
      }
      send(new ServerFrame.Presence(p.ref(), p.channel().name(), ar.result().online(), ar.result().members(),
          ar.result().large()));
    });
  }

  // ---- live events -------------------------------------------------------------------------------

  void deliver(Event event) {
    deliver(event, null);
  }

  /**
   * A live event for this session. {@code wire}: the event's frame encoded once for every recipient on this
   * loop ({@link WireFrames}), null to write it from the event. True when a message went out as {@code wire}:
   * the fan-out records those metrics at once.
   */
  boolean deliver(Event event, ByteBuf wire) {
    if (closing || state == State.AWAITING_CONNECT) {
      return false;
    }
    if (event instanceof Event.Control c) {
      control(c);
      return false;
    }
    if (event instanceof Event.Unrecovered u) {
      catchup.clearFloor(u.channel());
      send(new ServerFrame.Recovery(u.channel(), false));
      return false;
    }
    if (catchup.offer(event.channel(), event)) {
      if (catchup.heldBytes() > t.config().outboundQueueBytes()) {
        close(CloseCode.TOO_SLOW, "too slow: outbound queue full");
      }
      return false;
    }
    if (!catchup.fresh(event)) {
      return false;
    }
    if (event instanceof Event.Message m) {
      if (wire != null) {
        return writeWire(wire);
      }
      writeMessage(m.message(), null);
    } else if (event instanceof Event.Member m) {
      if (wire == null) {
        writeShared(m.frame(), "member", null);
      } else if (writeWire(wire)) {
        t.metrics().frameOut("member");
      }
    }
    return false;
  }

  /** Writes this socket's duplicate of a frame encoded once for the loop; false if the connection is gone. */
  private boolean writeWire(ByteBuf wire) {
    if (!writable()) {
      return false;
    }
    socket.write(wire.retainedDuplicate());
    return true;
  }

  /** Whether member events reach this session in {@code members} batches (it asked for them at connect). */
  boolean wantsMemberBatches() {
    return memberBatches;
  }

  /** Writes a {@code members} batch, encoded once for the whole group; none before {@code connected}. */
  void writeMembers(byte[] frame) {
    if (state == State.OPEN) {
      writeShared(frame, "members", null);
    }
  }

  private void control(Event.Control c) {
    if (state == State.CONNECTING) {
      controlWhileConnecting(c);
      return;
    }
    switch (c.kind()) {
      case SUBSCRIBE -> {
        if (!groups.contains(c.group())) {
          subscribeAndAnnounce(null, c.group(), false);
        }
      }
      case UNSUBSCRIBE -> {
        if (unsubscribe(c.group())) {
          send(new ServerFrame.Left(null, Channel.group(c.group()).name()));
        }
      }
      case DISCONNECT -> close(CloseCode.FORBIDDEN, "disconnected by the server");
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
          hub.subscribeGroup(this, c.group());
        }
      }
      case UNSUBSCRIBE -> {
        leftWhileConnecting.add(c.group());
        unsubscribe(c.group());
      }
      case DISCONNECT -> close(CloseCode.FORBIDDEN, "disconnected by the server");
    }
  }

  private boolean unsubscribe(String group) {
    if (!groups.remove(group)) {
      return false;
    }
    hub.unsubscribeGroup(this, group);
    catchup.forget(Channel.group(group).name());
    return true;
  }



  /** Writes what was held for {@code channel}, in order (messages the replay covered are dropped). */
  private void release(String channel) {
    catchup.release(channel).forEach(this::deliver);
  }



  // ---- outbound ----------------------------------------------------------------------------------

  /** Writes a stored message; {@code written} (may be null) runs once the socket took it. */
  private void writeMessage(StoredMessage m, Runnable written) {
    if (writeShared(m.frame(), null, written)) {
      t.metrics().delivered(m.ts(), t.clock().millis());
    }
  }

  /**
   * Writes pre-encoded JSON (shared by recipients on this node) and counts it as {@code type} (null: the
   * caller counts it); false if the connection is gone. {@code written} as for {@link #writeMessage}.
   */
  private boolean writeShared(byte[] frame, String type, Runnable written) {
    if (!writable()) {
      return false;
    }
    socket.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame)), written);
    if (type != null) {
      t.metrics().frameOut(type);
    }
    return true;
  }

  private void send(ServerFrame frame) {
    writeText(FrameCodec.encode(frame), frame.type(), null);
  }

  /** Writes a frame of its own; false if the connection is gone. {@code written} as for {@link #writeMessage}. */
  private boolean writeText(String text, String type, Runnable written) {
    return writeShared(text.getBytes(StandardCharsets.UTF_8), type, written);
  }

  /**
   * {@code next} for when a page-sized answer (replays, history) has left this node: they go out one at a
   * time, so one page at most waits in the outbound queue and live messages keep the rest of it. Never runs
   * once the connection is closing.
   */
  private Runnable onceWritten(Runnable next) {
    return () -> {
      if (!closing) {
        next.run();
      }
    };
  }

  /** False once closing; a full outbound queue closes the connection (4008) instead of growing the heap. */
  private boolean writable() {
    if (closing || socket.closed()) {
      return false;
    }
    if (socket.full()) {
      close(CloseCode.TOO_SLOW, "too slow: outbound queue full");
      return false;
    }
    return true;
  }

  private void sendError(ProtocolException e) {
    if (writeText(FrameCodec.encode(ServerFrame.Error.of(e)), null, null)) {
      t.metrics().error(e.code()); // counts the frame out too
    }
  }

  private void fail(Throwable cause, Long ref, Long seq) {
    if (cause instanceof ProtocolException e) {
      sendError(e.answering(e.ref() != null ? e.ref() : ref, e.seq() != null ? e.seq() : seq));
      return;
    }
    LOG.log(Level.ERROR, "request failed", cause);
    sendError(new ProtocolException(ErrorCode.INTERNAL, "internal error", ref, seq));
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  /**
   * Deadlines, on the hub's responsive clock ({@code now}): time the event loop spent running late is not
   * counted against the client, so a node short of CPU does not close the sessions it failed to read.
   * Returns whether a heartbeat ping is due (the hub sends it, {@link #ping}).
   */
  boolean tick(long now) {
    if (closing) {
      return false;
    }
    if (state == State.AWAITING_CONNECT && now - openedAt >= t.config().connectTimeout().toMillis()) {
      close(CloseCode.UNAUTHORIZED, "no connect within " + t.config().connectTimeout().toSeconds() + " s");
      return false;
    }
    long heartbeat = t.config().heartbeat().toMillis();
    if (now - lastReadAt >= 2 * heartbeat) {
      close(CloseCode.HEARTBEAT_TIMEOUT, "no frame or pong for two heartbeats");
      return false;
    }
    if (now - lastPingAt >= heartbeat && !socket.closed() && !socket.full()) {
      lastPingAt = now;
      return true;
    }
    return false;
  }

  /** A heartbeat: writes a duplicate of {@code ping} (a batch's ping frame, {@link WireFrames#ping}) if still open. */
  void ping(ByteBuf ping) {
    if (!closing && !socket.closed() && !socket.full()) {
      socket.write(ping.retainedDuplicate());
    }
  }

  boolean closing() {
    return closing;
  }

  /**
   * After an outage: puts this session back into the registry if its node's liveness lapsed (another node's
   * sweep took it out), and brings its groups up to date. If Redis lost its data, the session's groups are
   * written back (they are the memberships that survive); otherwise they are read again, since a join or
   * leave made elsewhere during the outage was not announced to this node.
   */
  Future<Void> catchUpWithStores(SessionRegistry.Standing standing) {
    if (state != State.OPEN || closing || !registered) {
      return Future.succeededFuture();
    }
    Future<Void> registration = standing == SessionRegistry.Standing.KNOWN ? Future.succeededFuture()
        : t.service().sessionOpened(session, List.copyOf(groups));
    Future<Void> done;
    if (standing == SessionRegistry.Standing.DATA_LOST) {
      List<String> mine = List.copyOf(groups); // read here, on the loop: registration may complete elsewhere
      done = registration.compose(v -> t.service().restoreMemberships(identity.user(), mine));
    } else {
      Future<List<String>> read = registration.compose(v -> t.service().groupsOf(identity.user()));
      whenDone(read, ar -> {
        if (ar.succeeded()) {
          reconcileGroups(ar.result());
        }
      });
      done = read.mapEmpty();
    }
    // Banned or disconnected while the link was down: this session should not be there any more.
    whenDone(done, ar -> {
      if (ar.failed() && ar.cause() instanceof ProtocolException e && e.code() == ErrorCode.FORBIDDEN) {
        close(CloseCode.FORBIDDEN, e.getMessage());
      }
    });
    return done;
  }

  /** Joins and leaves this session missed: subscribes to groups it lacks and leaves those it should not have. */
  private void reconcileGroups(List<String> read) {
    if (closing) {
      return;
    }
    Set<String> current = new HashSet<>(read);
    for (String group : List.copyOf(groups)) {
      if (!current.contains(group) && unsubscribe(group)) {
        send(new ServerFrame.Left(null, Channel.group(group).name()));
      }
    }
    for (String group : read) {
      if (!groups.contains(group)) {
        subscribeAndAnnounce(null, group, false);
      }
    }
  }

  void close(CloseCode code, String reason) {
    if (closing || state == State.CLOSED) {
      return;
    }
    closing = true;
    t.metrics().closed(code);
    socket.close(code.code(), reason.length() > 120 ? reason.substring(0, 120) : reason);
  }

  private void onClosed() {
    assembler.discard();
    admission.closed();
    state = State.CLOSED;
    closing = true;
    hub.detach(this, identity == null ? null : identity.user(), List.copyOf(groups));
    t.metrics().connectionClosed();
    unregister();
  }

  /**
   * Takes the session out of the registry, once (whether it closed open or while connecting). If Redis
   * cannot be reached now, the hub retries when the link is back: a stale entry would keep the user
   * online and route their direct messages here.
   */
  private void unregister() {
    if (!registered) {
      return;
    }
    registered = false;
    List<String> left = List.copyOf(groups);
    SessionInfo closed = session;
    t.service().sessionClosed(closed, left)
        .onFailure(e -> hub.unregisterLater(() -> t.service().sessionClosed(closed, left)));
  }

  /** {@code future}, completed on this connection's event loop, so what follows may touch its state. */
  private <T> Future<T> onLoop(Future<T> future) {
    Promise<T> promise = Promise.promise();
    whenDone(future, promise::handle);
    return promise.future();
  }

  /** Runs {@code handler} on this connection's event loop when {@code future} completes. */
  private <T> void whenDone(Future<T> future, Handler<AsyncResult<T>> handler) {
    future.onComplete(ar -> {
      if (Thread.currentThread() == loop) {
        handler.handle(ar);
      } else {
        hub.context().runOnContext(v -> handler.handle(ar));
      }
    });
  }
}
