package chat.loadtest;

import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import chat.protocol.CloseCode;
import chat.protocol.FrameCodec;
import chat.protocol.ServerFrame;
import chat.protocol.client.Backoff;
import chat.protocol.client.Outbox;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One simulated client: connects (and reconnects with backoff, full jitter and resume, as the protocol
 * asks), joins its group once, sends on the worker's schedule and resends what is unacked after a
 * reconnect, and accounts every message it receives: first deliveries (deduped by sender and number),
 * duplicates, and deliveries whose position is not after the previous one in that channel. A connection that
 * brings nothing for two heartbeats is taken for dead and replaced, with resume (after one, the client pings):
 * the worker checks every session's silence ({@link #checkSilence}).
 *
 * <p>Positions are opaque to clients; the load tester is the gateway's own tool and compares them as
 * what they are (a stream id after the epoch) to count out-of-order deliveries.
 */
final class Session {
  private static final long JOIN_REF = 1;
  private static final int JOIN_ATTEMPTS = 6;
  final int index;
  private final Worker worker;
  private final Plan plan;
  private final Channel target;
  private final String typingFrame;
  private final Positions positions = new Positions();
  private final FastFrames reader = new FastFrames();
  private final Map<Integer, BitSet> seen = new HashMap<>();
  final Outbox unacked;
  private WebSocket ws;
  /** The current socket's messages, put together from its frames. */
  private TextMessages messages;
  private long seq;
  private int attempt;
  private int joinAttempts;
  private boolean joined;
  private boolean everReady;
  boolean connected;
  boolean gaveUp;
  long nextDueMicros;
  /** When the current connection last brought a frame (ms, monotonic), its heartbeat, and whether it was pinged. */
  private long lastFrameMillis;
  private long heartbeatMillis = 25_000;
  private boolean pinged;
  /** When the connection was lost while running (the worker's clock, micros), until connected again; -1: not lost. */
  private long lostAtMicros = -1;

  Session(Worker worker, Plan plan, int index) {
    this.worker = worker;
    this.plan = plan;
    this.index = index;
    this.target = plan.sends(index) ? Channel.parse(plan.target(index)) : null;
    this.typingFrame = plan.types(index)
        ? FrameCodec.encode(new ClientFrame.Typing(Channel.parse(plan.group(index)))) : null;
    this.unacked = new Outbox(worker.timers());
  }

  void connect() {
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost(plan.url().getHost()).setPort(plan.port()).setURI(plan.uri(index)).setSsl(plan.tls());
    worker.connect(this, options);
  }

  void opened(WebSocket socket) {
    ws = socket;
    lastFrameMillis = Worker.nowMillis();
    pinged = false;
    messages = new TextMessages();
    socket.frameHandler(this::frame);
    socket.exceptionHandler(e -> { });   // the close handler follows
    socket.closeHandler(v -> closed(socket));
    if (plan.protocol() == Protocol.PLAIN) {
      // a chat room: in it as soon as the socket is open, nothing to say first
      inTheRoom();
      return;
    }
    if (plan.protocol() == Protocol.SOCKETIO) {
      return; // Engine.IO's open packet comes first (received)
    }
    socket.writeTextMessage(FrameCodec.encode(new ClientFrame.Connect(null, plan.user(index), "lt", positions.resume(),
        plan.memberBatches() ? Set.of(ClientFrame.Connect.MEMBER_BATCHES) : Set.of())));
  }

  /** Numbers and sends (or queues, while disconnected) one message due at {@code dueMicros}. */
  void send(long dueMicros) {
    long n = ++seq;
    JsonObject body = new JsonObject().put("s", index).put("n", n).put("t", dueMicros);
    worker.tally.sent++;
    if (plan.protocol().rooms()) {
      // no ack in a chat room: written is all a client can know
      if (ws != null && connected) {
        ws.writeTextMessage(plan.protocol() == Protocol.SOCKETIO ? "42[\"msg\"," + body.encode() + "]" : body.encode());
        worker.tally.acked(index, n);
      }
      return;
    }
    unacked.add(n, target, FrameCodec.encode(new ClientFrame.Send(n, target, body)));
  }

  /** A frame off the socket: text messages are read from their bytes ({@link #received}). */
  private void frame(WebSocketFrame frame) {
    lastFrameMillis = Worker.nowMillis();
    pinged = false;
    Buffer message;
    try {
      message = messages.add(frame);
    } catch (IllegalStateException tooBig) {
      ws.close((short) 1009, "message too big").onComplete(ar -> { });
      return;
    }
    if (message != null) {
      received(message);
    }
  }

  private void inTheRoom() {
    connected = true;
    attempt = 0;
    becameReady();
  }

  /**
   * Engine.IO 4 and Socket.IO 4 packets: {@code 0} (open) is answered by connecting to the main namespace,
   * {@code 40} says it is done, {@code 2} (ping) is answered with {@code 3}, and {@code 42["msg",BODY]} is a
   * message of the room.
   */
  private void socketIo(Buffer data) {
    if (data.length() == 0) {
      return;
    }
    byte type = data.getByte(0);
    if (type == '2') {
      ws.writeTextMessage("3");
    } else if (type == '0') {
      ws.writeTextMessage("40");
    } else if (type == '4' && data.length() > 1 && data.getByte(1) == '0') {
      inTheRoom();
    } else if (type == '4' && data.length() > 1 && data.getByte(1) == '2') {
      int body = FastFrames.indexOf(data, 2, (byte) '{');
      if (body >= 0 && reader.body(data, body)) {
        count((int) reader.sender, reader.n, reader.due, true);
      }
    }
  }

  private void received(Buffer data) {
    if (plan.protocol() == Protocol.SOCKETIO) {
      socketIo(data);
      return;
    }
    if (plan.protocol() == Protocol.PLAIN) {
      if (reader.body(data, 0)) {
        count((int) reader.sender, reader.n, reader.due, true);
      } else {
        count(new JsonObject(data), true);
      }
      return;
    }
    if (reader.message(data)) {
      boolean inOrder = positions.advance(data, reader.channelStart, reader.channelEnd, reader.positionStart,
          reader.positionEnd);
      count((int) reader.sender, reader.n, reader.due, inOrder);
      return;
    }
    if (startsWith(data, TYPING)) {
      worker.tally.typing++;
      return;
    }
    String text = data.toString(StandardCharsets.UTF_8);
    ServerFrame frame = FrameCodec.decodeServer(text);
    if (frame instanceof ServerFrame.Message m) {
      message(m);
    } else if (frame instanceof ServerFrame.Ack a) {
      if (unacked.acked(a.seq())) {
        worker.tally.acked(index, a.seq());
      }
    } else if (frame instanceof ServerFrame.Connected c) {
      connected = true;
      attempt = 0;
      if (lostAtMicros >= 0) {
        worker.tally.back(lostAtMicros, worker.nowMicros());
        lostAtMicros = -1;
      }
      heartbeatMillis = c.heartbeat() > 0 ? c.heartbeat() * 1000L : 25_000L;
      worker.tally.unrecovered += c.recovered().values().stream().filter(ok -> !ok).count();
      if (plan.joinsGroup() && !joined) {
        join();
      } else {
        becameReady();
      }
      WebSocket socket = ws;
      if (c.rate() != null) {
        unacked.pace(c.rate().perSecond(), c.rate().burst());
      }
      unacked.connected(socket::writeTextMessage);
    } else if (frame instanceof ServerFrame.Joined) {
      joined = true;
      becameReady();
    } else if (frame instanceof ServerFrame.Error e) {
      refused(e);
    } else if (frame instanceof ServerFrame.Recovery r && !r.recovered()) {
      // The node lost its Redis link and the channel's history went away meanwhile: said, not hidden.
      worker.tally.unrecovered++;
      positions.forget(r.channel());
    }
  }

  private static final byte[] TYPING = "{\"type\":\"typing\"".getBytes(StandardCharsets.US_ASCII);

  private static boolean startsWith(Buffer data, byte[] prefix) {
    if (data.length() < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data.getByte(i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** Tells the client's group it is typing ({@code --typing}); only while connected and in the group. */
  void type() {
    if (ws != null && connected && joined) {
      ws.writeTextMessage(typingFrame);
    }
  }

  private void message(ServerFrame.Message m) {
    boolean inOrder = positions.advance(m.channel(), m.position());
    if (m.body() instanceof JsonObject body) {
      count(body, inOrder);
    }
  }

  /**
   * Accounts one of ours (a body with s, n, t; others, such as API publishes, are passed over): a repeat, or a
   * first delivery, out of order when {@code inOrder} is false (the position went back) or, without positions
   * (a chat room's protocol), when a later message of the same sender came first.
   */
  private void count(JsonObject body, boolean inOrder) {
    if (body.containsKey("n")) {
      count(body.getInteger("s"), body.getLong("n"), body.getLong("t"), inOrder);
    }
  }

  private void count(int sender, long n, long due, boolean inOrder) {
    BitSet bits = seen.computeIfAbsent(sender, s -> new BitSet());
    if (bits.get((int) n)) {
      worker.tally.duplicates++;
      return;
    }
    boolean overtaken = plan.protocol().rooms() && bits.length() > n;
    bits.set((int) n);
    if (!inOrder || overtaken) {
      worker.tally.outOfOrder++;
    }
    worker.delivered(sender, n, due);
  }

  private void refused(ServerFrame.Error e) {
    if (e.ref() != null && e.ref() == JOIN_REF && e.temporary() && !joined && joinAttempts < JOIN_ATTEMPTS) {
      worker.tally.sendError("join_" + e.code().wire());
      worker.later(Backoff.retry(joinAttempts++), () -> {
        if (connected && !joined) {
          join();
        }
      });
      return;
    }
    // Not stored: a temporary refusal goes again after a delay, ahead of later sends (and after any reconnect).
    if (e.seq() != null && unacked.refused(e.seq(), e.temporary()) && e.temporary()) {
      return;
    }
    worker.tally.sendError(e.code().wire());
  }

  private void join() {
    ws.writeTextMessage(FrameCodec.encode(new ClientFrame.Join(JOIN_REF, Channel.parse(plan.group(index)))));
  }

  private void becameReady() {
    if (!everReady) {
      everReady = true;
      worker.tally.connected++;
      worker.ready(this);
    }
  }

  private void closed(WebSocket socket) {
    if (socket != ws) {
      return;
    }
    connected = false;
    ws = null;
    unacked.disconnected();
    if (worker.stopping) {
      return;
    }
    Short code = socket.closeStatusCode();
    worker.tally.closed(code == null ? "no close frame" : Short.toString(code), worker.running());
    retry(code);
  }

  /**
   * "Clients notice silence": a {@code ping} after one heartbeat without a frame, and after two the connection is
   * given up (closed without waiting: a dead peer never answers) and replaced like a dropped one, with resume.
   */
  void checkSilence(long nowMillis) {
    if (ws == null || !connected || plan.protocol().rooms()) {
      return;
    }
    long quiet = nowMillis - lastFrameMillis;
    if (quiet >= 2 * heartbeatMillis) {
      WebSocket socket = ws;
      connected = false;
      ws = null;
      unacked.disconnected();
      worker.tally.silent++;
      socket.close().onComplete(ar -> { });
      retry(null);
    } else if (quiet >= heartbeatMillis && !pinged) {
      pinged = true;
      ws.writeTextMessage(FrameCodec.encode(new ClientFrame.Ping()));
    }
  }

  /** Connects again after a connect that failed: when a refusal's Retry-After says, or with backoff. */
  void retryAfterFailedConnect(Throwable failure) {
    long delay = Backoff.afterFailedConnect(failure, attempt);
    attempt++;
    worker.tally.reconnects++;
    worker.later(delay, this::connect);
  }

  /** Reconnects after a close, as the close codes table says. */
  void retry(Short code) {
    if (lostAtMicros < 0 && worker.running()) {
      lostAtMicros = worker.nowMicros();
      worker.tally.lostConnections++;
    }
    if (!CloseCode.shouldReconnect(code)) {
      gaveUp = true;
      return;
    }
    long delay = code != null && code == CloseCode.DRAINING.code() ? Worker.jitter(1000) : Backoff.reconnect(attempt);
    attempt++;
    worker.tally.reconnects++;
    worker.later(delay, this::connect);
  }
}
