package chat.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of Redis that holds back the bytes a client sends on every second connection
 * (the 2nd, 4th, ... it accepts) by a fixed delay, in order. Two commands that travel on different
 * connections then reach Redis in the opposite order to the one they were sent in, every time: this is
 * how a node that spreads one session's commands over several connections is caught.
 */
public final class DelayingProxy implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final NetServer server;
  private final NetClient client;
  private final AtomicInteger accepted = new AtomicInteger();
  private final long delayMillis;

  private DelayingProxy(String host, int port, long delayMillis) {
    this.delayMillis = delayMillis;
    this.client = vertx.createNetClient();
    this.server = vertx.createNetServer().connectHandler(downstream -> {
      downstream.pause();
      boolean delayed = accepted.incrementAndGet() % 2 == 0;
      client.connect(port, host).onComplete(ar -> {
        if (ar.failed()) {
          downstream.close();
          return;
        }
        NetSocket upstream = ar.result();
        forward(upstream, downstream, 0);
        forward(downstream, upstream, delayed ? delayMillis : 0);
        downstream.resume();
      });
    });
  }

  /** A proxy to the Redis of {@code redisUrl}; {@link #url()} is what nodes connect to instead. */
  public static DelayingProxy to(String redisUrl, long delayMillis) {
    URI uri = URI.create(redisUrl);
    DelayingProxy proxy = new DelayingProxy(uri.getHost(), uri.getPort(), delayMillis);
    Await.result(proxy.server.listen(0, "127.0.0.1"));
    return proxy;
  }

  public String url() {
    return "redis://127.0.0.1:" + server.actualPort();
  }

  /** Connections accepted so far. */
  public int connections() {
    return accepted.get();
  }

  /** Copies {@code from} to {@code to}, each chunk {@code delay} ms after it arrived, keeping their order. */
  private void forward(NetSocket from, NetSocket to, long delay) {
    ArrayDeque<Buffer> chunks = new ArrayDeque<>();
    from.handler(chunk -> {
      if (delay == 0) {
        to.write(chunk);
        return;
      }
      chunks.add(chunk.copy());
      // one timer per chunk, each writing the oldest one: order holds even if timers fire out of order
      vertx.setTimer(delay, id -> to.write(chunks.poll()));
    });
    from.closeHandler(v -> vertx.setTimer(delay + 1, id -> to.close()));
    from.exceptionHandler(e -> to.close());
  }

  @Override
  public void close() {
    Await.result(vertx.close());
  }
}
