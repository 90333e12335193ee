package chat.gateway.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import java.util.function.Consumer;

/**
 * Takes a WebSocket upgrade away from Vert.x's HTTP handling and hands the channel to a
 * {@link WebSocketChannel}: the handshake with Netty's own handshaker (the 101, then its frame decoder and
 * encoder in place of the HTTP codec), Vert.x's connection handler replaced by ours, the keep-alive idle
 * timer and the chunked writer removed. Vert.x's {@code ServerWebSocket} would keep, for each socket, the
 * upgrade request and response, two message queues and their chunks (about 12 KB of the 15 KB a socket cost);
 * this keeps the channel and one handler. Vert.x does the same for its own upgrades (it replaces the same
 * handler); the HTTP server's metrics are told the upgrade request ended, as Vert.x tells them.
 *
 * <p>Extensions: when compression is on, the extension handler already in the pipeline negotiates
 * permessage-deflate on the 101 as it does for Vert.x's WebSockets (with its inflation bounded, see
 * {@link BoundedInflation}).
 */
final class WebSocketUpgrade {
  /** The name Vert.x gives its connection handler, the last of the pipeline. */
  private static final String VERTX_HANDLER = "handler";

  private final WebSocketDecoderConfig decoderConfig;

  /**
   * @param maxFrameBytes a frame past this is refused by the decoder itself (1009); below, the connection's
   *                      own checks decide
   */
  WebSocketUpgrade(int maxFrameBytes, boolean compression) {
    this.decoderConfig = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(maxFrameBytes)
        .allowExtensions(compression)
        .allowMaskMismatch(false)
        .closeOnProtocolViolation(true)
        .withUTF8Validator(false) // MessageAssembler checks whole messages, once
        .build();
  }

  /**
   * Upgrades {@code request} (a valid WebSocket upgrade the node admitted) and calls {@code opened} with the
   * socket once the 101 is written; a request Netty cannot upgrade (an unsupported version) gets 426 and
   * {@code opened} is not called (returns false).
   */
  boolean upgrade(HttpServerRequest request, Flusher flusher, long closingTimeoutMillis, int outboundQueueBytes,
                  Consumer<WebSocketChannel> opened) {
    FullHttpRequest head = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, request.uri());
    request.headers().forEach(h -> head.headers().add(h.getKey(), h.getValue()));
    String location = "ws://" + request.authority() + request.uri();
    WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(location, null, decoderConfig)
        .newHandshaker(head);
    if (handshaker == null) {
      head.release();
      HttpServerResponse response = request.response();
      response.putHeader("Sec-WebSocket-Version", "13").setStatusCode(426).end("WebSocket version 13 only");
      return false;
    }
    ConnectionBase connection = (ConnectionBase) request.connection();
    endRequestMetrics(request, connection);
    Channel channel = connection.channel();
    ChannelPipeline pipeline = channel.pipeline();
    WebSocketChannel socket = new WebSocketChannel(channel, flusher, closingTimeoutMillis, outboundQueueBytes);
    if (pipeline.get(IdleStateHandler.class) != null) {
      pipeline.remove(IdleStateHandler.class); // a WebSocket has heartbeats of its own
    }
    if (pipeline.get(ChunkedWriteHandler.class) != null) {
      pipeline.remove(ChunkedWriteHandler.class);
    }
    pipeline.replace(VERTX_HANDLER, "websocket", socket);
    handshaker.handshake(channel, head).addListener(f -> {
      head.release();
      if (f.isSuccess()) {
        opened.accept(socket);
      } else {
        channel.close();
      }
    });
    return true;
  }

  /** The upgrade request is over as far as the HTTP server's metrics go (as Vert.x's own upgrade says it). */
  private static void endRequestMetrics(HttpServerRequest request, ConnectionBase connection) {
    if (connection.metrics() instanceof HttpServerMetrics<?, ?, ?> metrics
        && request instanceof HttpServerRequestInternal internal && internal.metric() != null
        && request.response() instanceof io.vertx.core.spi.observability.HttpResponse response) {
      @SuppressWarnings("unchecked")
      HttpServerMetrics<Object, ?, ?> raw = (HttpServerMetrics<Object, ?, ?>) metrics;
      raw.responseEnd(internal.metric(), response, 0);
    }
  }
}
