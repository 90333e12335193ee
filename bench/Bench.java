import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * What the bench drivers share (AccessCost, HookCost): a session opened and connected, N operations a few at a
 * time, a process's CPU, percentiles. A source file of its own: the drivers run from source with JDK 22 or later
 * (Temurin 25 here), which compiles the files of this folder they use.
 */
final class Bench {
  private Bench() {
  }

  /** A process's CPU so far (user + system), from /proc/PID/stat. */
  static long cpuMicros(long pid) throws Exception {
    String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceAll(".*\\) ", "").split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1_000_000 / 100; // CLK_TCK is 100 on Linux
  }

  /** The {@code p} quantile of {@code sorted} nanoseconds, in ms. */
  static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))] / 1e6;
  }

  /**
   * Opens a WebSocket, sends {@code connect}, and completes once {@code connected} comes (fails on an error before
   * it); the frames after it go to {@code frames}, the close to {@code closed}.
   */
  static Future<WebSocket> session(WebSocketClient ws, String host, int port, JsonObject connect,
                                   Consumer<JsonObject> frames, Runnable closed) {
    Promise<WebSocket> ready = Promise.promise();
    ws.connect(port, host, "/ws").onComplete(ar -> {
      if (ar.failed()) {
        ready.fail(ar.cause());
        return;
      }
      WebSocket socket = ar.result();
      socket.closeHandler(v -> closed.run());
      socket.textMessageHandler(text -> {
        JsonObject frame = new JsonObject(text);
        if (frame.getString("type").equals("connected")) {
          ready.tryComplete(socket);
        } else if (frame.getString("type").equals("error") && !ready.future().isComplete()) {
          ready.tryFail(frame.encode());
        } else {
          frames.accept(frame);
        }
      });
      socket.writeTextMessage(connect.encode());
    });
    return ready.future();
  }

  /**
   * Runs {@code one} for 0 to n - 1, {@code atOnce} at a time, on {@code vertx}'s context; completes with how many
   * failed once all have ended.
   */
  static CompletableFuture<Integer> inTurn(Vertx vertx, int n, int atOnce, IntFunction<Future<?>> one) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    int[] next = {0};
    int[] finished = {0};
    int[] failed = {0};
    Runnable[] start = new Runnable[1];
    start[0] = () -> {
      int i = next[0]++;
      if (i >= n) {
        return;
      }
      one.apply(i).onComplete(ar -> {
        if (ar.failed()) {
          failed[0]++;
        }
        if (++finished[0] == n) {
          done.complete(failed[0]);
        } else {
          start[0].run();
        }
      });
    };
    vertx.runOnContext(v -> {
      for (int k = 0; k < atOnce; k++) {
        start[0].run();
      }
    });
    return done;
  }
}
