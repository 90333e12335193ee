import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a new session costs a server: rounds of PER_ROUND sessions opened at RATE per second, each held
 * until all of its round are up, then all closed. A v1 session is the upgrade, {@code connect} (dev
 * sign-in), the registry and one {@code join} (done when {@code joined} comes); a plain one (go-hub) is the
 * upgrade only. A refused upgrade (503) comes back after its Retry-After and is counted. The server's CPU (utime + stime of PID from /proc) is read before a round, once every
 * session of it is up, and once every one has been closed and the server has had a second to finish:
 * setup and teardown per session, in microseconds, for every round after WARM_ROUNDS.
 * Run with the gateway jar on the classpath: java -cp gateway-node.jar bench/SessionSetup.java ...
 * Arguments: host port pid v1|plain perRound rounds warmRounds rate sources
 */
public class SessionSetup {
  static final long TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

  public static void main(String[] args) {
    try {
      run(args);
      System.exit(0);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1); // the client's event loop would keep the process alive
    }
  }

  static void run(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    long pid = Long.parseLong(args[2]);
    boolean plain = args[3].equals("plain");
    int perRound = Integer.parseInt(args[4]);
    int rounds = Integer.parseInt(args[5]);
    int warmRounds = Integer.parseInt(args[6]);
    int rate = Integer.parseInt(args[7]);
    int sources = Integer.parseInt(args[8]);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    List<WebSocketClient> clients = new ArrayList<>();
    for (int s = 0; s < sources; s++) {
      clients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(perRound)
          .setLocalAddress("127.0.0." + (2 + s)).setTryUsePerMessageCompression(false)
          .setTryUsePerFrameCompression(false)));
    }
    for (int round = 1; round <= warmRounds + rounds; round++) {
      refused.set(0);
      long before = ticks(pid);
      long started = System.nanoTime();
      List<WebSocket> open = openRound(vertx, clients, host, port, plain, perRound, rate, round)
          .get(perRound / rate + 120, TimeUnit.SECONDS);
      long up = ticks(pid);
      double seconds = (System.nanoTime() - started) / 1e9;
      closeRound(vertx, open).get(120, TimeUnit.SECONDS);
      Thread.sleep(1000); // the server finishes what the closes started (a bench's pause, not synchronisation)
      long down = ticks(pid);
      System.out.printf("%s round %d: %d sessions up in %.1f s (%d upgrades refused); setup %d us, teardown %d us of "
          + "server CPU per session%n", round <= warmRounds ? "warm-up" : "measured", round,
          open.size(), seconds, refused.get(), (up - before) * TICK_US / open.size(),
          (down - up) * TICK_US / open.size());
    }
    vertx.close();
  }

  static CompletableFuture<List<WebSocket>> openRound(Vertx vertx, List<WebSocketClient> clients, String host,
      int port, boolean plain, int total, int rate, int round) {
    CompletableFuture<List<WebSocket>> done = new CompletableFuture<>();
    List<WebSocket> open = new ArrayList<>();
    AtomicInteger started = new AtomicInteger();
    AtomicInteger settled = new AtomicInteger();
    Runnable one = () -> {
      if (settled.incrementAndGet() == total) {
        done.complete(open);
      }
    };
    int perTick = Math.max(1, rate / 100);
    vertx.setPeriodic(10, id -> {
      for (int i = 0; i < perTick && started.get() < total; i++) {
        attempt(vertx, clients, host, port, plain, round, started.getAndIncrement(), open, one, done);
      }
      if (started.get() >= total) {
        vertx.cancelTimer(id);
      }
    });
    return done;
  }

  static final AtomicInteger refused = new AtomicInteger();

  /** One session; an upgrade refused with 503 comes back after its Retry-After, as a client does. */
  static void attempt(Vertx vertx, List<WebSocketClient> clients, String host, int port, boolean plain, int round,
      int n, List<WebSocket> open, Runnable one, CompletableFuture<List<WebSocket>> done) {
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(host).setPort(port)
            .setURI(plain ? "/ws?room=r" + (n % 150) : "/ws");
        clients.get(n % clients.size()).connect(options).onComplete(ar -> {
          if (ar.failed() && ar.cause() instanceof UpgradeRejectedException rejected && rejected.getStatus() == 503) {
            refused.incrementAndGet();
            long after = Long.parseLong(rejected.getHeaders().get("Retry-After"));
            vertx.setTimer(after * 1000, t -> attempt(vertx, clients, host, port, plain, round, n, open, one, done));
            return;
          }
          if (ar.failed()) {
            done.completeExceptionally(ar.cause());
            return;
          }
          WebSocket ws = ar.result();
          open.add(ws);
          if (plain) {
            one.run();
            return;
          }
          ws.textMessageHandler(text -> {
            if (text.startsWith("{\"type\":\"connected\"")) {
              ws.writeTextMessage("{\"type\":\"join\",\"ref\":1,\"channel\":\"group/g" + (n % 150) + "\"}");
            } else if (text.startsWith("{\"type\":\"joined\"")) {
              one.run();
            } else if (text.startsWith("{\"type\":\"error\"")) {
              done.completeExceptionally(new IllegalStateException(text));
            }
          });
          ws.writeTextMessage("{\"type\":\"connect\",\"user\":\"s" + round + "-" + n + "\",\"device\":\"bench\",\"features\":[\"member_batches\"]}");
        });
  }

  static CompletableFuture<Void> closeRound(Vertx vertx, List<WebSocket> open) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger left = new AtomicInteger(open.size());
    vertx.runOnContext(v -> {
      for (WebSocket ws : open) {
        Promise<Void> closed = Promise.promise();
        ws.closeHandler(x -> closed.tryComplete());
        ws.close().onComplete(x -> closed.tryComplete());
        closed.future().onComplete(x -> {
          if (left.decrementAndGet() == 0) {
            done.complete(null);
          }
        });
      }
    });
    return done;
  }

  static long ticks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14 and 15)
  }
}
