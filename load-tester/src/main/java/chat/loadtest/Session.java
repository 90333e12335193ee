package chat.loadtest;

import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import chat.protocol.CloseCode;
import chat.protocol.FrameCodec;
import chat.protocol.ServerFrame;
import chat.protocol.client.Backoff;
import chat.protocol.client.Outbox;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One simulated client: connects (and reconnects with backoff, full jitter and resume, as the protocol
 * asks), joins its group once, sends on the worker's schedule and resends what is unacked after a
 * reconnect, and accounts every message it receives: first deliveries (deduped by sender and number),
 * duplicates, and deliveries whose position is not after the previous one in that channel.
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
  private final Map<String, String> positions = new LinkedHashMap<>();
  private final Map<Integer, BitSet> seen = new HashMap<>();
  final Outbox unacked;
  private WebSocket ws;
  private long seq;
  private int attempt;
  private int joinAttempts;
  private boolean joined;
  private boolean everReady;
  boolean connected;
  boolean gaveUp;
  long nextDueMicros;

  Session(Worker worker, Plan plan, int index) {
    this.worker = worker;
    this.plan = plan;
    this.index = index;
    this.target = plan.sends(index) ? Channel.parse(plan.target(index)) : null;
    this.unacked = new Outbox(worker.timers());
  }

  void connect() {
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost(plan.url().getHost()).setPort(plan.url().getPort()).setURI(plan.uri(index));
    worker.connect(this, options);
  }

  void opened(WebSocket socket) {
    ws = socket;
    socket.textMessageHandler(this::received);
    socket.exceptionHandler(e -> { });   // the close handler follows
    socket.closeHandler(v -> closed(socket));
    if (plan.plain()) {
      // a chat room: in it as soon as the socket is open, nothing to say first
      connected = true;
      attempt = 0;
      becameReady();
      return;
    }
    socket.writeTextMessage(FrameCodec.encode(new ClientFrame.Connect(null, plan.user(index), "lt", positions,
        plan.memberBatches() ? Set.of(ClientFrame.Connect.MEMBER_BATCHES) : Set.of())));
  }

  /** Numbers and sends (or queues, while disconnected) one message due at {@code dueMicros}. */
  void send(long dueMicros) {
    long n = ++seq;
    JsonObject body = new JsonObject().put("s", index).put("n", n).put("t", dueMicros);
    worker.tally.sent++;
    if (plan.plain()) {
      // no ack in a chat room: written is all a client can know
      if (ws != null) {
        ws.writeTextMessage(body.encode());
        worker.tally.acked(index, n);
      }
      return;
    }
    unacked.add(n, target, FrameCodec.encode(new ClientFrame.Send(n, target, body)));
  }

  private void received(String text) {
    if (plan.plain()) {
      long[] body = FastFrames.body(text, 0);
      if (body != null) {
        count((int) body[0], body[1], body[2], true);
      } else {
        count(new JsonObject(text), true);
      }
      return;
    }
    FastFrames.Delivery fast = FastFrames.message(text);
    if (fast != null) {
      String previous = positions.put(fast.channel(), fast.position());
      count((int) fast.sender(), fast.n(), fast.due(), previous == null || after(fast.position(), previous));
      return;
    }
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
      worker.tally.unrecovered += c.recovered().values().stream().filter(ok -> !ok).count();
      if (plan.joinsGroup() && !joined) {
        join();
      } else {
        becameReady();
      }
      WebSocket socket = ws;
      unacked.connected(socket::writeTextMessage);
    } else if (frame instanceof ServerFrame.Joined) {
      joined = true;
      becameReady();
    } else if (frame instanceof ServerFrame.Error e) {
      refused(e);
    } else if (frame instanceof ServerFrame.Recovery r && !r.recovered()) {
      // The node lost its Redis link and the channel's history went away meanwhile: said, not hidden.
      worker.tally.unrecovered++;
      positions.remove(r.channel());
    }
  }

  private void message(ServerFrame.Message m) {
    String previous = positions.put(m.channel(), m.position());
    if (m.body() instanceof JsonObject body) {
      count(body, previous == null || after(m.position(), previous));
    }
  }

  /**
   * Accounts one of ours (a body with s, n, t; others, such as API publishes, are passed over): a repeat, or a
   * first delivery, out of order when {@code inOrder} is false (the position went back) or, without positions
   * (the plain protocol), when a later message of the same sender came first.
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
    boolean overtaken = plan.plain() && bits.length() > n;
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

  /** Connects again after a connect that failed: when a refusal's Retry-After says, or with backoff. */
  void retryAfterFailedConnect(Throwable failure) {
    long delay = Backoff.afterFailedConnect(failure, attempt);
    attempt++;
    worker.tally.reconnects++;
    worker.later(delay, this::connect);
  }

  /** Reconnects after a close, as the close codes table says. */
  void retry(Short code) {
    if (!CloseCode.shouldReconnect(code)) {
      gaveUp = true;
      return;
    }
    long delay = code != null && code == CloseCode.DRAINING.code() ? Worker.jitter(1000) : Backoff.reconnect(attempt);
    attempt++;
    worker.tally.reconnects++;
    worker.later(delay, this::connect);
  }

  /**
   * Whether position {@code a} ({@code epoch.major-minor}) comes after {@code b} in one channel's history
   * (same epoch). Runs for every delivery, so it reads the numbers in place and allocates nothing: the
   * substrings and splits it used to make were a tenth of the driver's CPU at 30,000 deliveries/s.
   */
  static boolean after(String a, String b) {
    int dotA = a.lastIndexOf('.');
    int dotB = b.lastIndexOf('.');
    if (dotA != dotB || !a.regionMatches(0, b, 0, dotA)) {
      return true;   // a new epoch: the history was lost, and the order starts again
    }
    int dashA = a.indexOf('-', dotA);
    int dashB = b.indexOf('-', dotB);
    int major = Long.compare(Long.parseLong(a, dotA + 1, dashA, 10), Long.parseLong(b, dotB + 1, dashB, 10));
    if (major != 0) {
      return major > 0;
    }
    return Long.parseLong(a, dashA + 1, a.length(), 10) > Long.parseLong(b, dashB + 1, b.length(), 10);
  }
}
