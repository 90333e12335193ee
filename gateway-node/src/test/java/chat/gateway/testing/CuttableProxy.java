package chat.gateway.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of Redis whose link a test can cut: {@link #cut} drops every connection through
 * it and refuses new ones until {@link #restore}. One node behind it loses Redis (its pub/sub included)
 * while the others, connected directly, go on publishing: the outage that node must ride through.
 */
public final class CuttableProxy implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final NetServer server;
  /** One client for every upstream, held: Vert.x closes an unreferenced client's sockets when it is collected. */
  private final NetClient client;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;
  /** Connections frozen by {@link #freeze}: open, but nothing goes through any more. */
  private final Set<NetSocket> frozen = ConcurrentHashMap.newKeySet();
  private volatile boolean silent;

  private CuttableProxy(String host, int port) {
    this.client = vertx.createNetClient();
    this.server = vertx.createNetServer().connectHandler(downstream -> {
      if (cut) {
        downstream.close();
        return;
      }
      if (silent) {
        open.add(downstream); // held, never answered: a host that is gone
        return;
      }
      downstream.pause();
      client.connect(port, host).onComplete(ar -> {
        if (ar.failed() || cut) {
          downstream.close();
          if (ar.succeeded()) {
            ar.result().close();
          }
          return;
        }
        NetSocket upstream = ar.result();
        open.add(downstream);
        open.add(upstream);
        downstream.handler(bytes -> {
          if (!frozen.contains(downstream)) {
            upstream.write(bytes);
          }
        });
        upstream.handler(bytes -> {
          if (!frozen.contains(upstream)) {
            downstream.write(bytes);
          }
        });
        downstream.closeHandler(v -> {
          open.remove(downstream);
          upstream.close();
        });
        upstream.closeHandler(v -> {
          open.remove(upstream);
          downstream.close();
        });
        downstream.resume();
      });
    });
  }

  /** A proxy to the Redis of {@code redisUrl}; {@link #url()} is what the node connects to instead. */
  public static CuttableProxy to(String redisUrl) {
    URI uri = URI.create(redisUrl);
    return to(uri.getHost(), uri.getPort());
  }

  /** A proxy to any TCP server (a gateway node, for clients whose connection goes silent). */
  public static CuttableProxy to(String host, int port) {
    CuttableProxy proxy = new CuttableProxy(host, port);
    Await.result(proxy.server.listen(0, "127.0.0.1"));
    return proxy;
  }

  public int port() {
    return server.actualPort();
  }

  /**
   * The connections open now go silent both ways, without a FIN or RST (a peer cut off by the network); new ones go
   * through.
   */
  public void freeze() {
    frozen.addAll(open);
  }

  /**
   * The upstream is gone from the network: the connections open now go silent ({@link #freeze}) and new ones are
   * accepted but never answered (where a real lost host would leave a connect unanswered instead).
   */
  public void silence() {
    silent = true;
    freeze();
  }

  public String url() {
    return "redis://127.0.0.1:" + server.actualPort();
  }

  /** Drops every connection and refuses new ones until {@link #restore}. */
  public void cut() {
    cut = true;
    open.forEach(NetSocket::close);
  }

  public void restore() {
    cut = false;
  }

  @Override
  public void close() {
    Await.result(vertx.close());
  }
}
