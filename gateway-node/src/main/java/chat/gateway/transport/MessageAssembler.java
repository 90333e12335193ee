package chat.gateway.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;

/**
 * Assembles one connection's messages from WebSocket frames, checking the size limit as fragments arrive
 * (after inflation, when compression is on), so the connection can close with 1009 before a large message
 * is held. A whole message in one frame (the usual case) is decoded straight from the frame; fragments are
 * copied into one buffer of their own until the last arrives.
 */
final class MessageAssembler {
  enum Result { INCOMPLETE, TEXT, BINARY, TOO_BIG, INVALID_UTF8 }

  private final int maxBytes;
  private ByteBuf partial;
  private boolean binary;
  private String text;

  MessageAssembler(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /**
   * Takes a data frame (text, binary or continuation; the caller releases it); {@link #text} holds the
   * message after {@code TEXT}.
   */
  Result add(WebSocketFrame frame) {
    boolean continuation = frame instanceof ContinuationWebSocketFrame;
    if (!continuation) {
      discard();
      binary = frame instanceof BinaryWebSocketFrame;
    }
    ByteBuf data = frame.content();
    int size = (partial == null ? 0 : partial.readableBytes()) + data.readableBytes();
    if (size > maxBytes) {
      discard();
      return Result.TOO_BIG;
    }
    if (!frame.isFinalFragment()) {
      if (partial == null) {
        partial = Unpooled.buffer(Math.max(256, data.readableBytes() * 2), maxBytes);
      }
      partial.writeBytes(data, data.readerIndex(), data.readableBytes());
      return Result.INCOMPLETE;
    }
    ByteBuf message = data;
    if (partial != null) {
      partial.writeBytes(data, data.readerIndex(), data.readableBytes());
      message = partial;
    }
    try {
      if (binary) {
        return Result.BINARY;
      }
      text = message.toString(StandardCharsets.UTF_8);
      // The lenient decode turns bad bytes into U+FFFD; only a message that has one (rare) is checked again,
      // strictly, to tell a U+FFFD the client sent from bytes that are not UTF-8.
      if (text.indexOf('\uFFFD') >= 0 && !ByteBufUtil.isText(message, StandardCharsets.UTF_8)) {
        text = null;
        return Result.INVALID_UTF8;
      }
      return Result.TEXT;
    } finally {
      discard();
    }
  }

  /** The message the last {@code TEXT} completed; handed over once. */
  String text() {
    String t = text;
    text = null;
    return t;
  }

  /** Drops a message in progress (also when the connection closes). */
  void discard() {
    if (partial != null) {
      partial.release();
      partial = null;
    }
  }
}
