package chat.gateway.transport;

import chat.protocol.CloseCode;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.DeflateFrameServerExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * WebSocket compression whose inflation stops at a byte cap. Vert.x installs Netty's deflate extensions with
 * no cap (netty#15005): one small frame of a compression bomb inflates to hundreds of MiB, on the event loop,
 * before any size check sees it. This replaces them, on each new connection, with the same extensions capped
 * at {@code maxInflatedBytes}: a frame that inflates past it stops there, and the connection is closed with
 * 1009 (message too big), as an uncompressed frame over the limit is.
 */
final class BoundedInflation {
  /** The name Vert.x gives its extension handler in the pipeline. */
  private static final String HANDLER = "webSocketExtensionHandler";
  /** The name of Vert.x's own handler, the last of the pipeline. */
  private static final String VERTX_HANDLER = "handler";

  private BoundedInflation() {
  }

  /** Caps the connection's inflation; does nothing when compression is off (no extension handler). */
  static void install(HttpConnection connection, HttpServerOptions options, int maxInflatedBytes) {
    if (!(connection instanceof ConnectionBase base)) {
      throw new IllegalStateException("cannot bound WebSocket inflation on " + connection.getClass().getName()
          + "; set WS_COMPRESSION=false");
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    if (pipeline.get(HANDLER) == null) {
      return;
    }
    int level = options.getWebSocketCompressionLevel();
    pipeline.replace(HANDLER, HANDLER, new WebSocketServerExtensionHandler(
        new PerMessageDeflateServerExtensionHandshaker(level, ZlibCodecFactory.isSupportingWindowSizeAndMemLevel(),
            PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE, options.getWebSocketAllowServerNoContext(),
            options.getWebSocketPreferredClientNoContext(), maxInflatedBytes),
        new DeflateFrameServerExtensionHandshaker(level, maxInflatedBytes)));
    pipeline.addBefore(VERTX_HANDLER, "inflationCap", new TooBigOnceInflated());
  }

  /** Turns the inflater's "buffer reached its maximum" into a 1009 close instead of a dropped connection. */
  private static final class TooBigOnceInflated extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!(cause instanceof DecompressionException || cause.getCause() instanceof DecompressionException)) {
        ctx.fireExceptionCaught(cause);
        return;
      }
      if (ctx.channel().isActive()) {
        ctx.writeAndFlush(new CloseWebSocketFrame(CloseCode.TOO_BIG.code(), "message too big once inflated"))
            .addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
