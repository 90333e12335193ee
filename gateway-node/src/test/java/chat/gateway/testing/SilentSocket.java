package chat.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A WebSocket client written on a bare TCP socket that never answers pings: the client a heartbeat must
 * detect. It counts the server's ping frames and records the close frame's code and the TCP close.
 */
public final class SilentSocket {
  /**
   * Held for as long as the socket: Vert.x closes a client, and its sockets, once the client is garbage
   * collected (CleanableNetClient), which cut these sockets mid-test whenever a GC came at the wrong time.
   */
  private final NetClient client;
  private final NetSocket socket;
  private final AtomicInteger pings = new AtomicInteger();
  /** The text frames received (whole, unfragmented), in order. */
  private final java.util.Queue<String> texts = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final CompletableFuture<Integer> closeFrame = new CompletableFuture<>();
  private final CompletableFuture<Void> tcpClosed = new CompletableFuture<>();
  private final CompletableFuture<String> statusLine = new CompletableFuture<>();
  private Buffer pending = Buffer.buffer();
  private boolean upgraded;

  private SilentSocket(NetClient client, NetSocket socket) {
    this.client = client;
    this.socket = socket;
    socket.handler(this::received);
    socket.closeHandler(v -> tcpClosed.complete(null));
  }

  /** Upgrades a TCP connection to {@code /ws} and sends {@code firstFrame} as a text frame. */
  public static SilentSocket open(Vertx vertx, int port, String firstFrame) {
    return open(vertx, new NetClientOptions(), port, firstFrame);
  }

  /** {@link #open}, with client options (e.g. a small receive buffer); {@code firstFrame} null sends none. */
  public static SilentSocket open(Vertx vertx, NetClientOptions options, int port, String firstFrame) {
    SilentSocket silent = connect(vertx, options, port);
    silent.socket.write(UPGRADE_REQUEST);
    if (firstFrame != null) {
      silent.socket.write(textFrame(firstFrame));
    }
    return silent;
  }

  /**
   * Upgrades and sends {@code frames} (text) in one write (one TCP segment on loopback): they arrive with the
   * request head, as from a client that does not wait for the 101 (RFC 6455 lets it).
   */
  public static SilentSocket openInOneWrite(Vertx vertx, int port, String... frames) {
    SilentSocket silent = connect(vertx, new NetClientOptions(), port);
    Buffer write = Buffer.buffer(UPGRADE_REQUEST);
    for (String frame : frames) {
      write.appendBuffer(textFrame(frame));
    }
    silent.socket.write(write);
    return silent;
  }

  private static final String UPGRADE_REQUEST = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
      + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

  private static SilentSocket connect(Vertx vertx, NetClientOptions options, int port) {
    NetClient client = vertx.createNetClient(options);
    return new SilentSocket(client, Await.result(client.connect(port, "127.0.0.1")));
  }

  /** Waits for the server's answer to the upgrade; returns its status line ({@code HTTP/1.1 101 ...}). */
  public String awaitUpgrade() {
    return Await.result(io.vertx.core.Future.fromCompletionStage(statusLine));
  }

  /** Stops reading: what the server writes piles up in its buffers, as with a client that never reads. */
  public void stopReading() {
    socket.pause();
  }

  public void resumeReading() {
    socket.resume();
  }

  public int pings() {
    return pings.get();
  }

  /** Waits for the TCP connection to end; returns the close frame's code seen before it, or -1. */
  public int awaitClosed() {
    Await.result(io.vertx.core.Future.fromCompletionStage(tcpClosed));
    return closeFrame.getNow(-1);
  }

  private synchronized void received(Buffer data) {
    pending.appendBuffer(data);
    if (!upgraded) {
      String text = pending.toString(StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        return;
      }
      upgraded = true;
      statusLine.complete(text.substring(0, text.indexOf("\r\n")));
      pending = pending.getBuffer(end + 4, pending.length());
    }
    while (pending.length() >= 2) {
      int opcode = pending.getByte(0) & 0x0f;
      int length = pending.getByte(1) & 0x7f;
      int header = 2;
      if (length == 126) {
        if (pending.length() < 4) {
          return;
        }
        length = pending.getUnsignedShort(2);
        header = 4;
      } else if (length == 127) {
        if (pending.length() < 10) {
          return;
        }
        length = (int) pending.getLong(2);
        header = 10;
      }
      if (pending.length() < header + length) {
        return;
      }
      if (opcode == 0x1) {
        texts.add(pending.getString(header, header + length, "UTF-8"));
      } else if (opcode == 0x9) {
        pings.incrementAndGet();
      } else if (opcode == 0x8 && length >= 2) {
        closeFrame.complete(pending.getUnsignedShort(header));
      }
      pending = pending.getBuffer(header + length, pending.length());
    }
  }

  /** Sends a text frame carrying exactly {@code payload} (which need not be UTF-8). */
  public void sendText(byte[] payload) {
    socket.write(frame(0x81, payload));
  }

  /** Sends a text frame. */
  public void sendText(String text) {
    socket.write(textFrame(text));
  }

  /** How many text frames of {@code type} ({@code "type":"..."}) came so far. */
  public long received(String type) {
    String marker = "\"type\":\"" + type + "\"";
    return texts.stream().filter(t -> t.contains(marker)).count();
  }

  public java.util.List<String> texts() {
    return java.util.List.copyOf(texts);
  }

  /** Sends a ping control frame with {@code payload} (at most 125 bytes). */
  public void sendPing(byte[] payload) {
    socket.write(frame(0x89, payload));
  }


  private static Buffer textFrame(String text) {
    return frame(0x81, text.getBytes(StandardCharsets.UTF_8));
  }

  /** One final, masked frame: {@code head} is FIN plus the opcode (0x81 text, 0x89 ping). */
  private static Buffer frame(int head, byte[] payload) {
    byte[] mask = {1, 2, 3, 4};
    Buffer frame = Buffer.buffer().appendByte((byte) head);
    if (payload.length < 126) {
      frame.appendByte((byte) (0x80 | payload.length));
    } else {
      frame.appendByte((byte) (0x80 | 126)).appendUnsignedShort(payload.length);
    }
    frame.appendBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.appendByte((byte) (payload[i] ^ mask[i % 4]));
    }
    return frame;
  }
}
