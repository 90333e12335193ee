package chat.gateway.transport;

import chat.gateway.message.StoredMessage;
import chat.protocol.CloseCode;
import chat.protocol.ErrorCode;
import chat.protocol.FrameCodec;
import chat.protocol.ProtocolException;
import chat.protocol.ServerFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

/**
 * A connection's writes and its close policy: every frame to the client goes through here, counted, and a
 * client that does not read closes with 4008 instead of growing the heap. Once closing, nothing more is
 * written and nothing waits on a write.
 */
final class Outbound {
  private static final System.Logger LOG = System.getLogger(Outbound.class.getName());

  private final WebSocketChannel socket;
  private final TransportContext t;
  private boolean closing;

  Outbound(WebSocketChannel socket, TransportContext t) {
    this.socket = socket;
    this.t = t;
  }

  boolean closing() {
    return closing;
  }

  /** Closes with {@code code} (once; the reason cut to what a close frame holds). */
  void close(CloseCode code, String reason) {
    if (closing) {
      return;
    }
    closing = true;
    t.metrics().closed(code);
    socket.close(code.code(), reason.length() > 120 ? reason.substring(0, 120) : reason);
  }

  /** The socket closed (from either side): nothing more goes out. */
  void closed() {
    closing = true;
  }

  void send(ServerFrame frame) {
    text(FrameCodec.encode(frame), frame.type(), null);
  }

  /** Writes a stored message; {@code written} (may be null) runs once the socket took it. */
  void message(StoredMessage m, Runnable written) {
    if (shared(m.frame(), null, written)) {
      t.metrics().delivered(m.ts(), t.clock().millis());
    }
  }

  /**
   * Writes pre-encoded JSON (shared by recipients on this node) and counts it as {@code type} (null: the
   * caller counts it); false if the connection is gone. {@code written} as for {@link #message}.
   */
  boolean shared(byte[] frame, String type, Runnable written) {
    if (!writable()) {
      return false;
    }
    socket.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame)), written);
    if (type != null) {
      t.metrics().frameOut(type);
    }
    return true;
  }

  /** Writes a frame of its own; false if the connection is gone. {@code written} as for {@link #message}. */
  boolean text(String text, String type, Runnable written) {
    return shared(text.getBytes(StandardCharsets.UTF_8), type, written);
  }

  /** Writes this socket's duplicate of a frame encoded once for the loop; false if the connection is gone. */
  boolean wire(ByteBuf wire) {
    if (!writable()) {
      return false;
    }
    socket.write(wire.retainedDuplicate());
    return true;
  }

  /**
   * {@code next} for when a page-sized answer (replays, history) has left this node: they go out one at a
   * time, so one page at most waits in the outbound queue and live messages keep the rest of it. Never runs
   * once the connection is closing.
   */
  Runnable onceWritten(Runnable next) {
    return () -> {
      if (!closing) {
        next.run();
      }
    };
  }

  /**
   * Answers a ping while the outbound queue has room: a client that pings and never reads would queue pongs
   * without end, so a ping that finds the queue full closes the connection as any write would.
   */
  void pong(PingWebSocketFrame ping) {
    if (socket.closed()) {
      return;
    }
    if (socket.full()) {
      close(CloseCode.TOO_SLOW, "too slow: pings while the outbound queue is full");
    } else {
      socket.write(new PongWebSocketFrame(ping.content().retain()));
    }
  }

  /** Whether a heartbeat ping can go out now (never into a full queue: the client is not reading). */
  boolean canPing() {
    return !closing && !socket.closed() && !socket.full();
  }

  /**
   * A heartbeat: writes a duplicate of {@code ping} (a batch's ping frame, {@link WireFrames#ping}) if it can;
   * whether it did.
   */
  boolean ping(ByteBuf ping) {
    if (!canPing()) {
      return false;
    }
    socket.write(ping.retainedDuplicate());
    return true;
  }

  void error(ProtocolException e) {
    if (text(FrameCodec.encode(ServerFrame.Error.of(e)), null, null)) {
      t.metrics().error(e.code()); // counts the frame out too
    }
  }

  /** A request that failed: its protocol error as it is, anything else as {@code internal} (and logged). */
  void fail(Throwable cause, Long ref, Long seq) {
    if (cause instanceof ProtocolException e) {
      error(e.answering(e.ref() != null ? e.ref() : ref, e.seq() != null ? e.seq() : seq));
      return;
    }
    LOG.log(Level.ERROR, "request failed", cause);
    error(new ProtocolException(ErrorCode.INTERNAL, "internal error", ref, seq));
  }

  /** False once closing; a full outbound queue closes the connection (4008) instead of growing the heap. */
  private boolean writable() {
    if (closing || socket.closed()) {
      return false;
    }
    if (socket.full()) {
      tooSlow();
      return false;
    }
    return true;
  }

  /** The client does not read what is written to it (4008): more would only grow this node's heap. */
  void tooSlow() {
    close(CloseCode.TOO_SLOW, "too slow: outbound queue full");
  }
}
