import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens N protocol-v1 sessions (dev auth) against one node at a bounded rate, spread over several
 * source addresses, prints READY when all are connected, holds them for at most HOLD seconds, exits.
 * With the protocol "plain" (a chat-room server such as go-hub), each opens /ws?room=rN (150 rooms) and
 * counts as connected once open.
 * Run with the gateway jar on the classpath: java -cp gateway-node.jar bench/IdleClients.java ...
 * Arguments: host port connections ratePerSecond holdSeconds sourceAddresses [v1|plain]
 */
public class IdleClients {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    int total = Integer.parseInt(args[2]);
    int rate = Integer.parseInt(args[3]);
    int holdSeconds = Integer.parseInt(args[4]);
    int sources = Integer.parseInt(args[5]);
    boolean plain = args.length > 6 && args[6].equals("plain");
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    List<WebSocketClient> clients = new ArrayList<>();
    for (int s = 0; s < sources; s++) {
      clients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(total)
          .setLocalAddress("127.0.0." + (2 + s)).setTryUsePerMessageCompression(false)
          .setTryUsePerFrameCompression(false)));
    }
    List<WebSocket> open = new ArrayList<>();
    AtomicInteger started = new AtomicInteger();
    AtomicInteger connected = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger closedEarly = new AtomicInteger();
    long start = System.nanoTime();
    int perTick = Math.max(1, rate / 20);
    vertx.setPeriodic(50, id -> {
      for (int i = 0; i < perTick && started.get() < total; i++) {
        int n = started.getAndIncrement();
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(host).setPort(port)
            .setURI(plain ? "/ws?room=r" + (n % 150) : "/ws");
        clients.get(n % sources).connect(options).onComplete(ar -> {
          if (ar.failed()) {
            if (failed.incrementAndGet() <= 3) {
              System.out.println("failed: " + ar.cause());
            }
            return;
          }
          WebSocket ws = ar.result();
          open.add(ws);
          ws.closeHandler(v -> closedEarly.incrementAndGet());
          if (plain) {
            connected.incrementAndGet();
            return;
          }
          ws.textMessageHandler(text -> {
            if (text.startsWith("{\"type\":\"connected\"")) {
              connected.incrementAndGet();
            }
          });
          ws.writeTextMessage("{\"type\":\"connect\",\"user\":\"idle" + n + "\",\"device\":\"bench\"}");
        });
      }
      if (started.get() >= total) {
        vertx.cancelTimer(id);
      }
    });
    long deadline = System.nanoTime() + (long) holdSeconds * 1_000_000_000L;
    boolean ready = false;
    while (System.nanoTime() < deadline) {
      Thread.sleep(500); // progress report interval of a bench tool, not synchronisation
      if (!ready && connected.get() + failed.get() >= total) {
        ready = true;
        System.out.printf("READY connected=%d failed=%d seconds=%.1f%n", connected.get(), failed.get(),
            (System.nanoTime() - start) / 1e9);
      } else if (!ready) {
        System.out.printf("progress connected=%d failed=%d%n", connected.get(), failed.get());
      }
    }
    System.out.printf("DONE connected=%d failed=%d closedEarly=%d%n", connected.get(), failed.get(), closedEarly.get());
    vertx.close();
  }
}
