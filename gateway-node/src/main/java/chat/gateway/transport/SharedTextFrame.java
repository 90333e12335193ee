package chat.gateway.transport;

import io.netty.buffer.Unpooled;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

/**
 * A text frame over bytes encoded once per node. Vert.x's public API only builds text frames from a
 * String (encoding UTF-8 again for every recipient), and one frame object written to several sockets
 * gives its payload to the first only; so each recipient gets its own frame wrapping the same array.
 */
final class SharedTextFrame {
  private SharedTextFrame() {
  }

  static WebSocketFrame of(byte[] utf8Json) {
    return new WebSocketFrameImpl(WebSocketFrameType.TEXT, Unpooled.wrappedBuffer(utf8Json), true);
  }
}
