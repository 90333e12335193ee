package chat.gateway.transport;

import chat.gateway.access.Permissions;
import chat.gateway.config.GatewayConfig;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A connection's socket on Netty's {@link EmbeddedChannel}, for unit tests of the connection's jobs: what
 * they write is read back as JSON frames and a close code, without a network or a node. The clock stands
 * still unless the test moves it.
 */
final class TestSocket {
  final EmbeddedChannel channel = new EmbeddedChannel();
  final MutableClock clock = MutableClock.stopped(1_000_000);
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final WebSocketChannel socket;
  final TransportContext context;

  /** With the node's defaults, {@code settings} (NAME, value, ...) on top. */
  TestSocket(String... settings) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < settings.length; i += 2) {
      env.put(settings[i], settings[i + 1]);
    }
    GatewayConfig config = GatewayConfig.fromEnv(env);
    socket = new WebSocketChannel(channel, new Flusher(channel.eventLoop()), 1000, config.outboundQueueBytes());
    channel.pipeline().addLast(socket);
    context = new TransportContext(config, null, Permissions.open(), null, null,
        new GatewayMetrics(registry, () -> false), clock, () -> false, () -> false, null);
  }

  private final List<JsonObject> unread = new ArrayList<>();
  private int closeCode;

  /** The text frames written since the last call, as JSON, in order. */
  List<JsonObject> written() {
    drain();
    List<JsonObject> frames = List.copyOf(unread);
    unread.clear();
    return frames;
  }

  /** The close code sent (0: none yet). */
  int closeCode() {
    drain();
    return closeCode;
  }

  private void drain() {
    channel.runPendingTasks();
    for (Object frame = channel.readOutbound(); frame != null; frame = channel.readOutbound()) {
      if (frame instanceof TextWebSocketFrame text) {
        unread.add(new JsonObject(text.text()));
      } else if (frame instanceof CloseWebSocketFrame close) {
        closeCode = close.statusCode();
      }
      ((WebSocketFrame) frame).release();
    }
  }
}
