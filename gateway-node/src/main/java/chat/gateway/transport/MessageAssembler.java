package chat.gateway.transport;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Assembles one connection's messages from WebSocket frames. Vert.x's own aggregation drops an oversize
 * message silently; here the size limit is checked as fragments arrive (after inflation, when compression
 * is on), so the connection can close with 1009 before a large message is held.
 */
final class MessageAssembler {
  enum Result { INCOMPLETE, TEXT, BINARY, TOO_BIG, INVALID_UTF8 }

  private final int maxBytes;
  private Buffer partial;
  private boolean binary;
  private String text;

  MessageAssembler(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Takes a data frame (text, binary or continuation); {@link #text} holds the message after {@code TEXT}. */
  Result add(WebSocketFrame frame) {
    if (!frame.isContinuation()) {
      partial = null;
      binary = frame.isBinary();
    }
    Buffer data = frame.binaryData();
    int size = (partial == null ? 0 : partial.length()) + data.length();
    if (size > maxBytes) {
      partial = null;
      return Result.TOO_BIG;
    }
    if (!frame.isFinal()) {
      partial = partial == null ? data.copy() : partial.appendBuffer(data);
      return Result.INCOMPLETE;
    }
    Buffer message = partial == null ? data : partial.appendBuffer(data);
    partial = null;
    if (binary) {
      return Result.BINARY;
    }
    text = message.toString(StandardCharsets.UTF_8);
    // The lenient decode turns bad bytes into U+FFFD; only a message that has one (rare) is decoded again,
    // strictly, to tell a U+FFFD the client sent from bytes that are not UTF-8.
    if (text.indexOf('\uFFFD') >= 0 && !strictUtf8(message)) {
      text = null;
      return Result.INVALID_UTF8;
    }
    return Result.TEXT;
  }

  private static boolean strictUtf8(Buffer message) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(message.getBytes()));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /** The message the last {@code TEXT} completed; handed over once. */
  String text() {
    String t = text;
    text = null;
    return t;
  }
}
