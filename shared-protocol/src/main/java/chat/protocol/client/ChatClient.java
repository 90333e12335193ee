package chat.protocol.client;

import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import chat.protocol.FrameCodec;
import chat.protocol.ServerFrame;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A protocol v1 client. It numbers sends per device ({@code seq}), keeps every unacknowledged send and
 * sends it again after {@link #reconnect()}, stores the last position per channel and resumes from it,
 * and drops repeated message ids, so its {@link #onMessage} handler sees every message once.
 *
 * <p>It notices silence (1.1): with nothing received for one heartbeat it sends {@code ping}; with nothing for two
 * it takes the connection for dead and reconnects with resume by itself. Chat features (1.1): {@link #typing},
 * {@link #read}, {@link #onTyping}, {@link #onRead}, and {@code unread} in {@link #connected()}; {@link #edit} and
 * {@link #delete}, whose versions reach {@link #onMessage} as messages carrying {@code replaces} / {@code deletes}
 * ({@link Versions#latest} folds a list of them into what a reader sees).
 *
 * <p>Thread-safe: methods may be called from any thread; handlers run on a Vert.x event loop.
 */
public final class ChatClient {
  private static final int SEEN_IDS = 10_000;

  private static final int JOIN_ATTEMPTS = 6;
  /** Attempts of a reconnect after silence before the client gives up (its close handler is told). */
  private static final int SILENT_RECONNECT_ATTEMPTS = 10;
  /**
   * The gateway forwards one typing frame per session and channel every 2 s, timed by when frames arrive; the client
   * sends one this often at most, leaving half a second for a frame delayed on the way (sent every 2 s, a delayed
   * frame would bring the next one too soon, and the next would be dropped).
   */
  public static final long TYPING_EVERY_MILLIS = 2_500;

  private final Vertx vertx;
  private final ClientOptions options;
  private final WebSocketClient wsClient;
  private final Map<String, String> positions = new LinkedHashMap<>();
  private final Outbox outbox;
  private final Map<Long, Promise<ServerFrame.Ack>> sends = new HashMap<>();
  private final Map<Long, Promise<ServerFrame>> requests = new HashMap<>();
  private final Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > SEEN_IDS;
    }
  };
  private long nextSeq;
  private long nextRef;
  private int connectAttempts;
  private WebSocket ws;
  private Promise<ServerFrame.Connected> connecting;
  private ServerFrame.Connected connected;
  private Consumer<ServerFrame.Message> messageHandler = m -> { };
  private Consumer<ServerFrame> frameHandler = f -> { };
  private BiConsumer<Short, String> closeHandler = (code, reason) -> { };
  private long duplicates;
  private Consumer<ServerFrame.Typing> typingHandler = t -> { };
  private Consumer<ServerFrame.Read> readHandler = r -> { };
  /** Channel to when a typing frame last went out; the newest 64. */
  private final Map<String, Long> typingSent = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > 64;
    }
  };
  private long lastFrameAt;
  private boolean pinged;
  private long silenceTimer = -1;
  private long silentReconnects;

  public ChatClient(Vertx vertx, ClientOptions options) {
    this.vertx = vertx;
    this.options = options;
    WebSocketClientOptions wsOptions = new WebSocketClientOptions()
        .setMaxFrameSize(options.maxMessageBytes())
        .setMaxMessageSize(options.maxMessageBytes())
        .setTryUsePerMessageCompression(false)
        .setTryUsePerFrameCompression(false);
    if (options.localAddress() != null) {
      wsOptions.setLocalAddress(options.localAddress());
    }
    if (options.caFile() != null) {
      wsOptions.setTrustOptions(new PemTrustOptions().addCertPath(options.caFile()));
    }
    this.wsClient = vertx.createWebSocketClient(wsOptions);
    this.outbox = new Outbox(new Outbox.Timers() {
      @Override
      public long set(long delayMs, Runnable action) {
        return vertx.setTimer(delayMs, id -> {
          synchronized (ChatClient.this) {
            action.run();
          }
        });
      }

      @Override
      public void cancel(long id) {
        vertx.cancelTimer(id);
      }
    });
  }

  /** Every message, once per id, in the order received. */
  /** Connects to another node from now on (after a node failure), keeping positions and unacked sends. */
  public synchronized ChatClient moveTo(String host, int port) {
    options.host(host).port(port);
    return this;
  }

  public synchronized ChatClient onMessage(Consumer<ServerFrame.Message> handler) {
    this.messageHandler = handler;
    return this;
  }

  /** Every frame as received, repeats included (for tests and the load tester's accounting). */
  public synchronized ChatClient onFrame(Consumer<ServerFrame> handler) {
    this.frameHandler = handler;
    return this;
  }

  /** (1.1) Someone else is typing (in a direct conversation, {@code channel} is {@code user/{typer}}). */
  public synchronized ChatClient onTyping(Consumer<ServerFrame.Typing> handler) {
    this.typingHandler = handler;
    return this;
  }

  /**
   * (1.1) A read marker moved: one of the user's other sessions, or a receipt (in a direct conversation
   * {@code channel} is {@code user/{reader}}; match the message by {@code id}).
   */
  public synchronized ChatClient onRead(Consumer<ServerFrame.Read> handler) {
    this.readHandler = handler;
    return this;
  }

  /** Called when the WebSocket closes, with the close code (null if the TCP connection just ended). */
  public synchronized ChatClient onClose(BiConsumer<Short, String> handler) {
    this.closeHandler = handler;
    return this;
  }

  /** Opens the WebSocket and sends {@code connect}, resuming every channel with a stored position. */
  public synchronized Future<ServerFrame.Connected> connect() {
    if (ws != null) {
      return Future.failedFuture(new IllegalStateException("already connected; use reconnect()"));
    }
    Promise<ServerFrame.Connected> promise = Promise.promise();
    connecting = promise;
    WebSocketConnectOptions connectOptions = new WebSocketConnectOptions()
        .setHost(options.host()).setPort(options.port()).setURI(options.path()).setSsl(options.ssl());
    options.headers().forEach(connectOptions::addHeader);
    wsClient.connect(connectOptions).onComplete(ar -> opened(promise, ar.result(), ar.cause()));
    return promise.future();
  }

  /**
   * Connects, trying again after a failed attempt as the protocol asks: after an upgrade refused with 503
   * (a busy or draining node) when its {@code Retry-After} says, plus up to as long again; after other
   * failures with backoff. Fails after {@code maxAttempts} attempts, or at once when the gateway answers
   * {@code connect} with an error (bad credentials do not get better by trying again).
   */
  public Future<ServerFrame.Connected> connect(int maxAttempts) {
    return connect().recover(failure -> {
      if (maxAttempts <= 1 || failure instanceof ProtocolErrorException) {
        return Future.failedFuture(failure);
      }
      Promise<Void> waited = Promise.promise();
      vertx.setTimer(Backoff.afterFailedConnect(failure, connectAttempts++), id -> waited.complete());
      return waited.future().compose(v -> connect(maxAttempts - 1));
    });
  }

  /** Closes the current connection (if any) and connects again with resume, then resends unacked sends. */
  public Future<ServerFrame.Connected> reconnect() {
    WebSocket old;
    synchronized (this) {
      old = ws;
      ws = null;
      connected = null;
    }
    Future<Void> closed = old == null ? Future.succeededFuture() : old.close().otherwise((Void) null);
    return closed.compose(v -> connect());
  }

  /**
   * Sends {@code body} to {@code channel}; completes with the ack once it is stored, or fails with a final
   * refusal. A temporary refusal is retried with backoff (and later sends to the channel wait behind it, see
   * {@link Outbox}); while disconnected the send waits for {@link #reconnect()}.
   */
  public Future<ServerFrame.Ack> send(String channel, Object body) {
    return send(channel, body, null, null);
  }

  /**
   * (1.1) A new version of the user's own message {@code id} (its first version's id) in {@code channel} (for a direct
   * message, the {@code user/{other}} it was sent to): a send in every way, acked once stored.
   */
  public Future<ServerFrame.Ack> edit(String channel, String id, Object body) {
    return send(channel, body, id, null);
  }

  /** (1.1) Deletes the user's own message {@code id} from {@code channel}: every version's body is erased. */
  public Future<ServerFrame.Ack> delete(String channel, String id) {
    return send(channel, null, null, id);
  }

  private synchronized Future<ServerFrame.Ack> send(String channel, Object body, String replaces, String deletes) {
    long seq = ++nextSeq;
    Promise<ServerFrame.Ack> promise = Promise.promise();
    Channel target = Channel.parse(channel);
    sends.put(seq, promise);
    outbox.add(seq, target, FrameCodec.encode(new ClientFrame.Send(seq, target, body, replaces, deletes)));
    return promise.future();
  }

  /**
   * Joins a group; a temporary refusal is retried with {@link Backoff#retry} up to {@value #JOIN_ATTEMPTS}
   * attempts. A closed group without a grant fails with {@link ProtocolErrorException} {@code forbidden}.
   */
  public Future<ServerFrame.Joined> join(String channel) {
    return join(channel, null);
  }

  /** {@link #join(String)} with a join token (a grant to a closed group, from the application), or null. */
  public Future<ServerFrame.Joined> join(String channel, String joinToken) {
    return join(Channel.parse(channel), joinToken, 0);
  }

  private Future<ServerFrame.Joined> join(Channel channel, String joinToken, int attempt) {
    return request(ref -> new ClientFrame.Join(ref, channel, joinToken)).map(ServerFrame.Joined.class::cast).recover(e -> {
      if (e instanceof ProtocolErrorException refused && refused.error().temporary() && attempt + 1 < JOIN_ATTEMPTS) {
        Promise<Void> waited = Promise.promise();
        vertx.setTimer(Backoff.retry(attempt), id -> waited.complete());
        return waited.future().compose(v -> join(channel, joinToken, attempt + 1));
      }
      return Future.failedFuture(e);
    });
  }

  public Future<ServerFrame.Left> leave(String channel) {
    return request(ref -> new ClientFrame.Leave(ref, Channel.parse(channel))).map(ServerFrame.Left.class::cast);
  }

  public Future<ServerFrame.History> history(String channel, int limit, String before) {
    return request(ref -> new ClientFrame.History(ref, Channel.parse(channel), limit, before))
        .map(ServerFrame.History.class::cast);
  }

  /**
   * (1.1) Tells the others the user is typing in {@code channel} (a group, or {@code user/{other}}); at most one frame
   * per channel every {@value #TYPING_EVERY_MILLIS} ms goes out, the rest are dropped here.
   */
  public synchronized void typing(String channel) {
    long now = System.currentTimeMillis();
    Long last = typingSent.get(channel);
    if (connected == null || (last != null && now - last < TYPING_EVERY_MILLIS)) {
      return;
    }
    typingSent.put(channel, now);
    write(new ClientFrame.Typing(Channel.parse(channel)));
  }

  /**
   * (1.1) Moves the user's read marker in {@code channel} (a group, or {@code user/{other}}) to {@code position};
   * completes with the marker as stored (a later one stays).
   */
  public Future<ServerFrame.Read> read(String channel, String position) {
    return request(ref -> new ClientFrame.Read(ref, Channel.parse(channel), position)).map(ServerFrame.Read.class::cast);
  }

  /** How many times the connection was taken for dead after two heartbeats of silence and replaced. */
  public synchronized long silentReconnects() {
    return silentReconnects;
  }

  public Future<ServerFrame.Presence> presence(String channel) {
    return request(ref -> new ClientFrame.Presence(ref, Channel.parse(channel)))
        .map(ServerFrame.Presence.class::cast);
  }

  /** Writes a raw text frame (for tests of malformed input). */
  public synchronized Future<Void> writeRaw(String text) {
    return ws == null ? Future.failedFuture("not connected") : ws.writeTextMessage(text);
  }

  public synchronized Future<Void> close() {
    WebSocket current = ws;
    ws = null;
    connected = null;
    outbox.disconnected();
    return current == null ? Future.succeededFuture() : current.close();
  }

  /** Frees the underlying WebSocket client (its connections close too). */
  public Future<Void> shutdown() {
    return close().otherwise((Void) null).compose(v -> wsClient.close());
  }

  public synchronized Map<String, String> positions() {
    return new LinkedHashMap<>(positions);
  }

  public synchronized void position(String channel, String position) {
    positions.put(channel, position);
  }

  public synchronized ServerFrame.Connected connected() {
    return connected;
  }

  public synchronized int unackedCount() {
    return outbox.size();
  }

  /** How many message frames repeated an id already seen (delivery is at least once). */
  public synchronized long duplicates() {
    return duplicates;
  }

  public synchronized long lastSeq() {
    return nextSeq;
  }

  /** Continues a device's numbering (e.g. a new process for the same device). */
  public synchronized void lastSeq(long seq) {
    this.nextSeq = seq;
  }

  // ---- internals ------------------------------------------------------------------------------

  private synchronized void opened(Promise<ServerFrame.Connected> promise, WebSocket socket, Throwable failure) {
    if (failure != null) {
      connecting = null;
      promise.tryFail(failure);
      return;
    }
    if (connecting != promise) {
      socket.close();
      return;
    }
    ws = socket;
    socket.textMessageHandler(text -> received(socket, text));
    socket.closeHandler(v -> closed(socket));
    if (options.tokenSource() == null) {
      write(connectFrame(options.token()));
      return;
    }
    options.tokenSource().get().onComplete(token -> {
      synchronized (this) {
        if (ws != socket) {
          return;
        }
        if (token.failed()) {
          promise.tryFail(token.cause());
          socket.close();
          return;
        }
        write(connectFrame(token.result()));
      }
    });
  }

  private ClientFrame.Connect connectFrame(String token) {
    return new ClientFrame.Connect(token, options.user(), options.device(), positions, java.util.Set.of(), options.data());
  }

  /** Gives the session a new token before its token ends (1.1); completes with the new deadline. */
  public Future<ServerFrame.Refreshed> refresh(String token) {
    return request(ref -> new ClientFrame.Refresh(ref, token, null)).map(ServerFrame.Refreshed.class::cast);
  }

  /**
   * Under hook sign-in (1.1): asks the application's connect hook again, with {@code data}; completes with the
   * new deadline.
   */
  public Future<ServerFrame.Refreshed> refreshWith(Object data) {
    return request(ref -> new ClientFrame.Refresh(ref, null, data)).map(ServerFrame.Refreshed.class::cast);
  }

  /**
   * {@code expiring}: with a token source, the session is refreshed at once with a new token; under hook sign-in
   * (options with {@code data}), with the same data. A failure is only logged.
   */
  private void expiring() {
    Future<ServerFrame.Refreshed> refreshed;
    if (options.tokenSource() != null) {
      refreshed = options.tokenSource().get().compose(this::refresh);
    } else if (options.data() != null) {
      refreshed = refreshWith(options.data());
    } else {
      return;
    }
    refreshed.onFailure(e -> System.getLogger(ChatClient.class.getName())
        .log(System.Logger.Level.WARNING, "could not refresh the session", e));
  }

  private void received(WebSocket socket, String text) {
    ServerFrame frame = FrameCodec.decodeServer(text);
    Consumer<ServerFrame> onFrame;
    Consumer<ServerFrame.Message> onMessage = null;
    Runnable completion = null;
    synchronized (this) {
      if (socket != ws) {
        return;
      }
      onFrame = frameHandler;
      lastFrameAt = System.nanoTime();
      pinged = false;
      if (frame instanceof ServerFrame.Typing t) {
        Consumer<ServerFrame.Typing> handler = typingHandler;
        completion = () -> handler.accept(t);
      } else if (frame instanceof ServerFrame.Read r && r.ref() == null) {
        Consumer<ServerFrame.Read> handler = readHandler;
        completion = () -> handler.accept(r);
      } else if (frame instanceof ServerFrame.Recovery r && !r.recovered()) {
        positions.remove(r.channel()); // meaningless now: the next message of the channel sets a new one
      } else if (frame instanceof ServerFrame.Message m) {
        positions.put(m.channel(), m.position());
        if (seen.put(m.id() + "@" + m.channel(), Boolean.TRUE) == null) {
          onMessage = messageHandler;
        } else {
          duplicates++;
        }
      } else {
        completion = settle(frame);
      }
    }
    onFrame.accept(frame);
    if (frame instanceof ServerFrame.Expiring) {
      expiring();
    }
    if (onMessage != null) {
      onMessage.accept((ServerFrame.Message) frame);
    }
    if (completion != null) {
      completion.run();
    }
  }

  /** Matches a reply to what waits for it; returns the completion to run outside the lock. */
  private Runnable settle(ServerFrame frame) {
    if (frame instanceof ServerFrame.Connected c) {
      connected = c;
      c.recovered().forEach((channel, recovered) -> {
        if (!recovered) {
          positions.remove(channel);
        }
      });
      Promise<ServerFrame.Connected> promise = connecting;
      connecting = null;
      WebSocket socket = ws;
      if (c.rate() != null) {
        outbox.pace(c.rate().perSecond(), c.rate().burst());
      }
      outbox.connected(socket::writeTextMessage);
      watchSilence(socket, c.heartbeat() > 0 ? c.heartbeat() * 1000L : 25_000L);
      return promise == null ? null : () -> promise.tryComplete(c);
    }
    if (frame instanceof ServerFrame.Ack a) {
      // No position from an ack: it is a position in the channel sent to, which for a DM is the
      // recipient's channel, not one this client receives (resuming it would fail).
      Promise<ServerFrame.Ack> pending = outbox.acked(a.seq()) ? sends.remove(a.seq()) : null;
      return pending == null ? null : () -> pending.tryComplete(a);
    }
    if (frame instanceof ServerFrame.Error e) {
      if (e.seq() != null) {
        if (!outbox.refused(e.seq(), e.temporary())) {
          return null;
        }
        Promise<ServerFrame.Ack> pending = e.temporary() ? null : sends.remove(e.seq());
        return pending == null ? null : () -> pending.tryFail(new ProtocolErrorException(e));
      }
      if (e.ref() != null) {
        Promise<ServerFrame> request = requests.remove(e.ref());
        return request == null ? null : () -> request.tryFail(new ProtocolErrorException(e));
      }
      if (connecting != null) {
        Promise<ServerFrame.Connected> promise = connecting;
        connecting = null;
        return () -> promise.tryFail(new ProtocolErrorException(e));
      }
      return null;
    }
    Long ref = refOf(frame);
    if (ref != null) {
      Promise<ServerFrame> request = requests.remove(ref);
      return request == null ? null : () -> request.tryComplete(frame);
    }
    return null;
  }

  private void closed(WebSocket socket) {
    closed(socket, socket.closeStatusCode(), socket.closeReason());
  }

  private void closed(WebSocket socket, Short code, String reason) {
    List<Runnable> failures = new ArrayList<>();
    BiConsumer<Short, String> onClose;
    ConnectionClosedException cause = new ConnectionClosedException(code, reason);
    synchronized (this) {
      onClose = closeHandler;
      if (socket != ws) {
        return;
      }
      ws = null;
      connected = null;
      stopWatching();
      outbox.disconnected();
      if (connecting != null) {
        Promise<ServerFrame.Connected> promise = connecting;
        connecting = null;
        failures.add(() -> promise.tryFail(cause));
      }
      requests.values().forEach(p -> failures.add(() -> p.tryFail(cause)));
      requests.clear();
    }
    failures.forEach(Runnable::run);
    onClose.accept(code, reason);
  }

  /**
   * Checks the connection four times per heartbeat: a {@code ping} after one heartbeat without a frame (its pong is
   * one), and after two a new connection, resuming, in place of this one (the close handler is told of it as of a
   * close, without a code; its close is not waited for).
   */
  private void watchSilence(WebSocket socket, long heartbeatMillis) {
    stopWatching();
    lastFrameAt = System.nanoTime();
    pinged = false;
    silenceTimer = vertx.setPeriodic(Math.max(1, heartbeatMillis / 4), id -> {
      synchronized (this) {
        if (ws != socket) {
          vertx.cancelTimer(id);
          return;
        }
        long quietMillis = (System.nanoTime() - lastFrameAt) / 1_000_000;
        if (quietMillis < heartbeatMillis) {
          return;
        }
        if (quietMillis < 2 * heartbeatMillis) {
          if (!pinged) {
            pinged = true;
            write(new ClientFrame.Ping());
          }
          return;
        }
        silentReconnects++;
        stopWatching();
      }
      closed(socket, null, "no frame for two heartbeats"); // as if it had closed: requests fail, sends wait
      socket.close(); // not waited for: a dead peer never answers the close
      connect(SILENT_RECONNECT_ATTEMPTS).onFailure(failure -> {
        BiConsumer<Short, String> onClose;
        synchronized (this) {
          onClose = closeHandler;
        }
        onClose.accept(null, "no frame for two heartbeats, and no new connection: " + failure.getMessage());
      });
    });
  }

  private void stopWatching() {
    if (silenceTimer != -1) {
      vertx.cancelTimer(silenceTimer);
      silenceTimer = -1;
    }
  }

  private Future<ServerFrame> request(java.util.function.LongFunction<ClientFrame> frame) {
    synchronized (this) {
      if (connected == null) {
        return Future.failedFuture(new IllegalStateException("not connected"));
      }
      long ref = ++nextRef;
      Promise<ServerFrame> promise = Promise.promise();
      requests.put(ref, promise);
      write(frame.apply(ref));
      return promise.future();
    }
  }

  private void write(ClientFrame frame) {
    if (ws != null) {
      ws.writeTextMessage(FrameCodec.encode(frame));
    }
  }

  private static Long refOf(ServerFrame frame) {
    if (frame instanceof ServerFrame.Joined j) {
      return j.ref();
    }
    if (frame instanceof ServerFrame.Left l) {
      return l.ref();
    }
    if (frame instanceof ServerFrame.History h) {
      return h.ref();
    }
    if (frame instanceof ServerFrame.Presence p) {
      return p.ref();
    }
    if (frame instanceof ServerFrame.Refreshed r) {
      return r.ref();
    }
    if (frame instanceof ServerFrame.Read r) {
      return r.ref();
    }
    return null;
  }
}
