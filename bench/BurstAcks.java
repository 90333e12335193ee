import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One session pipelines BURST sends into a group (writes them back to back, without waiting for acks),
 * waits for the last ack, and does it again, ROUNDS times after WARMUP unmeasured rounds. Reports the time
 * from the first write to the last ack of a burst (p50, p90, p99, max), and checks the order: acks and the
 * session's own copies of its messages must come in send order.
 * Run with the gateway jar on the classpath: java -cp gateway-node.jar bench/BurstAcks.java ...
 * Arguments: host port burst rounds warmup
 */
public class BurstAcks {
  private static final long TIMEOUT_SECONDS = 300;

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    int burst = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    int warmup = Integer.parseInt(args[4]);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setTryUsePerMessageCompression(false).setTryUsePerFrameCompression(false));
    Run run = new Run(burst, rounds + warmup, warmup);
    String device = "bench-" + Long.toString(System.nanoTime(), 36);
    vertx.runOnContext(v -> client.connect(new WebSocketConnectOptions().setHost(host).setPort(port).setURI("/ws"))
        .onSuccess(ws -> run.start(ws, device)).onFailure(run.done::tryFail));
    try {
      run.done.future().toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } finally {
      vertx.close();
    }
    long[] micros = run.micros.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf("bursts=%d burst=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d acks_out_of_order=%d "
            + "copies_out_of_order=%d errors=%d%n", micros.length, burst, at(micros, 0.50), at(micros, 0.90),
        at(micros, 0.99), micros[micros.length - 1], run.acksOutOfOrder, run.copiesOutOfOrder, run.errors);
  }

  private static long at(long[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)];
  }

  /** The session's state machine, on the client's event loop. */
  private static final class Run {
    final Promise<Void> done = Promise.promise();
    final List<Long> micros = new ArrayList<>();
    final int burst;
    final int total;
    final int warmup;
    WebSocket ws;
    long seq;
    long lastAcked;
    long lastCopy;
    int round;
    int acked;
    long startedAt;
    long acksOutOfOrder;
    long copiesOutOfOrder;
    long errors;

    Run(int burst, int total, int warmup) {
      this.burst = burst;
      this.total = total;
      this.warmup = warmup;
    }

    void start(WebSocket socket, String device) {
      ws = socket;
      ws.closeHandler(v -> done.tryFail("closed: " + ws.closeStatusCode() + " " + ws.closeReason()));
      ws.textMessageHandler(this::received);
      ws.writeTextMessage(new JsonObject().put("type", "connect").put("user", "burst").put("device", device).encode());
    }

    void received(String text) {
      JsonObject frame = new JsonObject(text);
      switch (frame.getString("type")) {
        case "connected" -> ws.writeTextMessage("{\"type\":\"join\",\"ref\":1,\"channel\":\"group/burst\"}");
        case "joined" -> nextBurst();
        case "ack" -> ack(frame.getLong("seq"));
        case "message" -> {
          long n = frame.getJsonObject("body").getLong("n");
          copiesOutOfOrder += n < lastCopy ? 1 : 0;
          lastCopy = n;
        }
        case "error" -> {
          errors++;
          done.tryFail("refused: " + text);
        }
        default -> { }
      }
    }

    void nextBurst() {
      if (round == total) {
        done.tryComplete();
        return;
      }
      acked = 0;
      startedAt = System.nanoTime();
      for (int i = 0; i < burst; i++) {
        long n = ++seq;
        ws.writeTextMessage("{\"type\":\"send\",\"seq\":" + n + ",\"channel\":\"group/burst\",\"body\":{\"n\":" + n + "}}");
      }
    }

    void ack(long ackSeq) {
      acksOutOfOrder += ackSeq < lastAcked ? 1 : 0;
      lastAcked = ackSeq;
      if (++acked < burst) {
        return;
      }
      if (round++ >= warmup) {
        micros.add((System.nanoTime() - startedAt) / 1_000);
      }
      nextBurst();
    }
  }
}
