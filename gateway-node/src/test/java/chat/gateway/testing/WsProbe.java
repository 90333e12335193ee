package chat.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw WebSocket for protocol tests: sends any text, records every frame received in order, and the
 * close code. {@link #next} waits for frames; {@link #closeCode} waits for the close.
 */
public final class WsProbe implements AutoCloseable {
  private final WebSocketClient client;
  private final WebSocket ws;
  private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();
  private final List<JsonObject> skipped = new ArrayList<>();

  private WsProbe(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(text -> frames.add(new JsonObject(text)));
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode() == null ? -1 : ws.closeStatusCode()));
  }

  static WsProbe open(Vertx vertx, int port, String... headers) {
    return open(vertx, port, new WebSocketClientOptions().setMaxMessageSize(16 << 20).setMaxFrameSize(16 << 20),
        headers);
  }

  public static WsProbe open(Vertx vertx, int port, WebSocketClientOptions options, String... headers) {
    WebSocketClient client = vertx.createWebSocketClient(options);
    WebSocketConnectOptions connect = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws");
    for (int i = 0; i < headers.length; i += 2) {
      connect.addHeader(headers[i], headers[i + 1]);
    }
    return new WsProbe(client, Await.result(client.connect(connect)));
  }

  public WebSocket socket() {
    return ws;
  }

  public WsProbe send(JsonObject frame) {
    return send(frame.encode());
  }

  public WsProbe send(String text) {
    Await.result(ws.writeTextMessage(text));
    return this;
  }

  /** The next frame, whatever its type. */
  public JsonObject next() {
    try {
      JsonObject frame = frames.poll(Await.TIMEOUT_MS, TimeUnit.MILLISECONDS);
      if (frame == null) {
        throw new AssertionError("no frame within " + Await.TIMEOUT_MS + " ms; closed: " + closed.getNow(null));
      }
      return frame;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /**
   * The next frame of one of {@code types}, the oldest passed over before included (a sender's own copy of
   * a message may come before or after its ack); frames of other types are kept in {@link #skipped}.
   */
  public JsonObject next(String... types) {
    List<String> wanted = Arrays.asList(types);
    for (int i = 0; i < skipped.size(); i++) {
      if (wanted.contains(skipped.get(i).getString("type"))) {
        return skipped.remove(i);
      }
    }
    while (true) {
      JsonObject frame = next();
      if (wanted.contains(frame.getString("type"))) {
        return frame;
      }
      skipped.add(frame);
    }
  }

  /** Frames passed over by {@link #next(String...)} and not asked for since. */
  public List<JsonObject> skipped() {
    return skipped;
  }

  /** Sends a ping frame and returns every frame received before its pong (the server answers in order). */
  public List<JsonObject> drainUntilPong() {
    send("{\"type\":\"ping\"}");
    List<JsonObject> before = new ArrayList<>();
    while (true) {
      JsonObject frame = next();
      if (frame.getString("type").equals("pong")) {
        return before;
      }
      before.add(frame);
    }
  }

  /** Frames received and not yet taken. */
  public List<JsonObject> pending() {
    List<JsonObject> list = new ArrayList<>();
    frames.drainTo(list);
    return list;
  }

  /** Waits for the close and returns its code (-1 when the TCP connection ended without one). */
  public short closeCode() {
    try {
      return closed.get(Await.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("not closed within " + Await.TIMEOUT_MS + " ms");
    }
  }

  public String closeReason() {
    closeCode();
    return ws.closeReason();
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  public void writeBinary(byte[] bytes) {
    Await.result(ws.writeBinaryMessage(Buffer.buffer(bytes)));
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      ws.close();
    }
    client.close();
  }
}
