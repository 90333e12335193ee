package chat.loadtest;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;

/**
 * Puts a socket's text messages together from its frames, as bytes: a message in one frame (what both
 * servers send) is passed on as it is, one in several is joined first, up to {@link #MAX_BYTES}. Frames
 * that are not text (pings, pongs, closes, which Vert.x answers itself; binary, which neither server sends)
 * are passed over. One per socket.
 */
final class TextMessages {
  /** The most a message in several frames may take (Vert.x's own limit for a whole message). */
  static final int MAX_BYTES = 256 * 1024;

  private Buffer partial;
  private boolean inText;

  /** The message {@code frame} completes, or null (not a text frame, or more frames to come). */
  Buffer add(WebSocketFrame frame) {
    if (frame.isText()) {
      partial = null;
      inText = true;
    } else if (!frame.isContinuation() || !inText) {
      inText = inText && !frame.isBinary();
      return null;
    }
    if (partial == null && frame.isFinal()) {
      inText = false;
      return frame.binaryData();
    }
    partial = partial == null ? frame.binaryData().copy() : partial.appendBuffer(frame.binaryData());
    if (partial.length() > MAX_BYTES) {
      partial = null;
      inText = false;
      throw new IllegalStateException("a text message of more than " + MAX_BYTES + " bytes");
    }
    if (!frame.isFinal()) {
      return null;
    }
    Buffer whole = partial;
    partial = null;
    inText = false;
    return whole;
  }
}
