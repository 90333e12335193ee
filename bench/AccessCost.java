import chat.gateway.auth.TokenMinter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Issue 27's costs, driven against running nodes (AUTH_MODE=jwt, JWT_SECRET, OPEN_GROUPS=public.*, API_KEY):
 *   join MODE N: N sessions, each a connect and a join, at most 64 at once; MODE is how the group is granted:
 *     open (an open group), claim (the token's groups), jointoken (a join token), member (the API made the
 *     user a member beforehand, untimed); prints the node's CPU per connect-and-join (microseconds)
 *   ops refresh|send N: one session makes N refreshes (or N sends to its own channel), 32 at once; the node's
 *     CPU per operation
 *   changes RATE SECONDS: memberships added through the API of node A (the first port) at RATE per second,
 *     each reaching a session of the user on node B (the second port) as `joined`; latency p50/p99/max (ms)
 * The node's CPU is read from /proc/PID/stat (user + system) around the timed part.
 * Run with the gateway jar on the classpath: java -cp gateway-node.jar bench/AccessCost.java ARGS
 * Arguments: host port[,port2] pid apiKey secret WHAT ...
 */
public class AccessCost {
  static String host;
  static int port;
  static String secret;
  static String apiKey;
  static Vertx vertx;
  static WebSocketClient ws;
  static HttpClient http;

  public static void main(String[] args) {
    try {
      run(args);
      System.exit(0);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1); // the client's event loop would keep the JVM up
    }
  }

  static void run(String[] args) throws Exception {
    host = args[0];
    String[] ports = args[1].split(",");
    port = Integer.parseInt(ports[0]);
    long pid = Long.parseLong(args[2]);
    apiKey = args[3];
    secret = args[4];
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1000)
        .setTryUsePerMessageCompression(false).setTryUsePerFrameCompression(false));
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    String run = Long.toString(System.nanoTime() % 1_000_000, 36);
    switch (args[5]) {
      case "join" -> join(pid, args[6], Integer.parseInt(args[7]), run);
      case "ops" -> ops(pid, args[6], Integer.parseInt(args[7]), run);
      case "changes" -> changes(Integer.parseInt(ports[1]), Integer.parseInt(args[6]), Integer.parseInt(args[7]), run);
      default -> throw new IllegalArgumentException(args[5]);
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String token(String user, JsonArray groups) {
    JsonObject claims = new JsonObject().put("sub", user).put("exp", System.currentTimeMillis() / 1000 + 3600);
    if (groups != null) {
      claims.put("groups", groups);
    }
    return TokenMinter.hs256(secret, claims);
  }

  /** A session of {@code user}: opened, connected; frames after that go to {@code frames}. */
  static Future<WebSocket> session(int port, String user, java.util.function.Consumer<JsonObject> frames) {
    return Bench.session(ws, host, port, new JsonObject().put("type", "connect").put("token", token(user, null))
        .put("device", "d"), frames, () -> { });
  }

  static Future<Integer> api(int port, HttpMethod method, String path) {
    return http.request(method, port, host, path).compose(r -> r.putHeader("Authorization", "Bearer " + apiKey)
        .send().compose(response -> response.body().map(b -> response.statusCode())));
  }

  // ---- connect and join ---------------------------------------------------------------------------------

  static void join(long pid, String mode, int n, String run) throws Exception {
    if (mode.equals("member")) {
      List<Future<Integer>> puts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        puts.add(api(port, HttpMethod.PUT, "/api/groups/vip.g" + (i % 50) + "/members/" + run + "u" + i));
        if (puts.size() == 64) {
          Future.all(puts).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
          puts.clear();
        }
      }
      Future.all(puts).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    long cpu0 = Bench.cpuMicros(pid);
    long t0 = System.nanoTime();
    int failed = Bench.inTurn(vertx, n, 64, i -> {
      String user = run + "u" + i;
      String group = (mode.equals("open") ? "public.g" : "vip.g") + (i % 50);
      JsonObject join = new JsonObject().put("type", "join").put("ref", 1).put("channel", "group/" + group);
      if (mode.equals("jointoken")) {
        join.put("token", TokenMinter.hs256(secret, new JsonObject().put("sub", user).put("channel", "group/" + group)
            .put("exp", System.currentTimeMillis() / 1000 + 600)));
      }
      JsonObject connect = new JsonObject().put("type", "connect").put("device", "d")
          .put("token", mode.equals("claim") ? token(user, new JsonArray().add("vip.*")) : token(user, null));
      Promise<Void> joined = Promise.promise();
      Bench.session(ws, host, port, connect, frame -> {
        String type = frame.getString("type");
        if (type.equals("joined")) {
          joined.tryComplete();
        } else if (type.equals("error")) {
          joined.tryFail(frame.encode());
        }
      }, () -> joined.tryFail("closed")).onSuccess(socket -> {
        socket.writeTextMessage(join.encode());
        joined.future().onComplete(ar -> socket.close());
      }).onFailure(joined::tryFail);
      return joined.future();
    }).get(300, TimeUnit.SECONDS);
    long cpu = Bench.cpuMicros(pid) - cpu0;
    System.out.printf("join %s: %d in %.1f s, %d failed; node CPU %d us per connect and join%n", mode, n,
        (System.nanoTime() - t0) / 1e9, failed, cpu / n);
  }

  // ---- refresh against send ------------------------------------------------------------------------------

  static void ops(long pid, String what, int n, String run) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    int[] answered = {0};
    int[] sent = {0};
    int[] errors = {0};
    WebSocket[] socket = new WebSocket[1];
    String user = run + "r";
    Runnable next = () -> {
      int i = ++sent[0];
      if (i > n) {
        return;
      }
      JsonObject frame = what.equals("refresh")
          ? new JsonObject().put("type", "refresh").put("ref", i).put("token", token(user, null))
          : new JsonObject().put("type", "send").put("seq", i).put("channel", "user/" + user).put("body", "x");
      socket[0].writeTextMessage(frame.encode());
    };
    socket[0] = session(port, user, frame -> {
      String type = frame.getString("type");
      if (type.equals("refreshed") || type.equals("ack") || type.equals("error")) {
        if (type.equals("error")) {
          errors[0]++;
        }
        if (++answered[0] == n) {
          done.complete(null);
        } else {
          next.run();
        }
      }
    }).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    long cpu0 = Bench.cpuMicros(pid);
    long t0 = System.nanoTime();
    vertx.runOnContext(v -> {
      for (int k = 0; k < 32; k++) {
        next.run();
      }
    });
    done.get(300, TimeUnit.SECONDS);
    long cpu = Bench.cpuMicros(pid) - cpu0;
    System.out.printf("%s: %d in %.1f s, %d errors; node CPU %d us per %s%n", what, n, (System.nanoTime() - t0) / 1e9,
        errors[0], cpu / n, what);
  }

  // ---- membership changes across nodes -------------------------------------------------------------------

  static void changes(int otherPort, int rate, int seconds, String run) throws Exception {
    int users = 200;
    ConcurrentHashMap<String, Long> pending = new ConcurrentHashMap<>();
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Long> answered = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.Map<Integer, Long> worstBySecond = new java.util.concurrent.ConcurrentSkipListMap<>();
    List<Future<WebSocket>> sessions = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      String user = run + "m" + u;
      sessions.add(session(otherPort, user, frame -> {
        if (frame.getString("type").equals("joined")) {
          Long sentAt = pending.remove(user + " " + frame.getString("channel"));
          if (sentAt != null) {
            latencies.add(System.nanoTime() - sentAt);
          }
        }
      }));
    }
    Future.all(sessions).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    // the first WARMUP seconds run at the rate too, uncounted: this driver is a fresh JVM each run
    int warmup = 5;
    int total = rate * (warmup + seconds);
    int counted = rate * seconds;
    int[] n = {0};
    long start = System.nanoTime();
    long measuredFrom = start + warmup * 1_000_000_000L;
    long timer = vertx.setPeriodic(10, id -> {
      long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
      while (n[0] < Math.min(due, total)) {
        int i = n[0]++;
        String user = run + "m" + (i % users);
        boolean measured = i >= total - counted;
        // groups of 10 members: each change's member event goes to at most 10 sessions, so the driver, which
        // reads every frame of the 200 sessions, does not become what is measured
        String group = "vip.c" + (i / users) + "." + (i % users) % 20;
        long sentAt = System.nanoTime();
        if (measured) {
          pending.put(user + " group/" + group, sentAt);
        }
        api(port, HttpMethod.PUT, "/api/groups/" + group + "/members/" + user)
            .onComplete(ar -> {
              if (!measured) {
                return;
              }
              long took = System.nanoTime() - sentAt;
              answered.add(took);
              int second = (int) ((sentAt - measuredFrom) / 1_000_000_000L);
              worstBySecond.merge(second, took, Math::max);
            });
      }
    });
    long deadline = System.nanoTime() + (seconds + 30) * 1_000_000_000L;
    deadline += warmup * 1_000_000_000L;
    while (latencies.size() < counted && System.nanoTime() < deadline) {
      Thread.sleep(100); // the driver waits for the last answers, bounded; nothing is synchronised by it
    }
    vertx.cancelTimer(timer);
    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    long[] api = answered.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf("changes at %d/s for %d s (after %d s of warm-up): %d of %d reached the session on the other node; p50 %.1f ms,"
            + " p99 %.1f ms, max %.1f ms (the API's own answer: p50 %.1f ms, p99 %.1f ms)%n", rate, seconds, warmup,
        sorted.length, counted, Bench.pct(sorted, 0.50), Bench.pct(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6,
        Bench.pct(api, 0.50), Bench.pct(api, 0.99));
    StringBuilder worst = new StringBuilder("  the API's slowest answer by second of the run (ms):");
    worstBySecond.forEach((second, took) -> worst.append(' ').append(second).append(':').append(took / 1_000_000));
    System.out.println(worst);
  }
}
