package chat.gateway.transport;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
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
    try {
      // strict: a lenient decode would turn bad bytes into U+FFFD and hand on a message the client never sent
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(message.getBytes())).toString();
    } catch (CharacterCodingException e) {
      return Result.INVALID_UTF8;
    }
    return Result.TEXT;
  }

  /** The message the last {@code TEXT} completed; handed over once. */
  String text() {
    String t = text;
    text = null;
    return t;
  }
}
