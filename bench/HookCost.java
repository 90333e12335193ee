import chat.gateway.auth.TokenMinter;
import chat.gateway.hook.HookSigner;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 28's costs, driven against running nodes. Run with the gateway jar on the classpath:
 *   java -cp gateway-node.jar bench/HookCost.java WHAT ARGS
 *   backend PORT SECRET: a local application backend (connect: the user data names; join and publish: allowed),
 *     checking every request's signature as an application must; runs until killed
 *   join host port secret claim|hook RATE SECONDS: 100 sessions (token sign-in, groups claim.*) join a new group
 *     each, RATE joins/s for SECONDS after 3 s of warm-up: claim.N (the token's grant) or paid.N (closed, the join
 *     hook decides); join-to-joined latency p50/p99/max
 *   send host port secret plain|hook RATE SECONDS: 100 sessions send RATE messages/s to their own group, plain.U
 *     (no hook) or hooked.U (PUBLISH_HOOK_CHANNELS); send-to-ack latency
 *   connect host port pid secret token|hook N: N sessions connect (64 at a time) by token or through the connect
 *     hook and close; the node's CPU (/proc/PID/stat) per connection
 *   outage host port backendPort secret SESSIONS DOWN_SECONDS: SESSIONS sessions signed in through the connect hook
 *     (of a backend this driver starts), each in an open group under the publish hook; 40 requests/s (sends
 *     through the publish hook, joins of closed groups through the join hook) from 5 s before the backend is killed
 *     until 15 s after it is started again, DOWN_SECONDS later; sessions closed, answers by phase, the slowest
 *     answer while it was down, and when answers were normal again
 */
public class HookCost {
  static Vertx vertx;
  static WebSocketClient ws;
  static String host;
  static int port;
  static String secret;

  public static void main(String[] args) {
    try {
      if (args[0].equals("backend")) {
        backend(Integer.parseInt(args[1]), args[2]);
        return; // serves until killed
      }
      vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
      ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(5000)
          .setTryUsePerMessageCompression(false).setTryUsePerFrameCompression(false));
      host = args[1];
      port = Integer.parseInt(args[2]);
      switch (args[0]) {
        case "join" -> latency("join", args[3], args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]));
        case "send" -> latency("send", args[3], args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]));
        case "connect" -> connect(Long.parseLong(args[3]), args[4], args[5], Integer.parseInt(args[6]));
        case "outage" -> outage(Integer.parseInt(args[3]), args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]));
        default -> throw new IllegalArgumentException(args[0]);
      }
      System.exit(0);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1); // the client's event loop would keep the JVM up
    }
  }

  // ---- the application backend --------------------------------------------------------------------------

  static void backend(int port, String secret) {
    Vertx backend = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    HookSigner signer = new HookSigner(secret);
    backend.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)).requestHandler(req ->
        req.body().onSuccess(body -> {
          if (!signed(signer, req.getHeader("X-Chat-Timestamp"), body, req.getHeader("X-Chat-Signature"))) {
            req.response().setStatusCode(401).end();
            return;
          }
          JsonObject request = body.toJsonObject();
          JsonObject answer = switch (req.path()) {
            case "/connect" -> new JsonObject().put("user", request.getJsonObject("data").getString("user"));
            default -> new JsonObject().put("allow", true);
          };
          req.response().putHeader("Content-Type", "application/json").end(answer.toBuffer());
        })).listen().toCompletionStage().toCompletableFuture().join();
    System.out.println("backend on " + port);
  }

  /** The request's signature, checked as the application must (the gateway's own signer makes the reference). */
  static boolean signed(HookSigner signer, String timestamp, Buffer body, String signature) {
    try {
      return signer.sign(Long.parseLong(timestamp), body.getBytes()).equals(signature);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  // ---- sessions -------------------------------------------------------------------------------------------

  static String token(String user) {
    return TokenMinter.hs256(secret, new JsonObject().put("sub", user).put("groups", new JsonArray().add("claim.*"))
        .put("exp", System.currentTimeMillis() / 1000 + 3600));
  }

  /** A connected session, by token or through the connect hook; its frames after connected go to {@code frames}. */
  static Future<WebSocket> session(String user, boolean hook, java.util.function.Consumer<JsonObject> frames,
                                   Runnable closed) {
    JsonObject connect = new JsonObject().put("type", "connect").put("device", "d");
    if (hook) {
      connect.put("data", new JsonObject().put("user", user));
    } else {
      connect.put("token", token(user));
    }
    return Bench.session(ws, host, port, connect, frames, closed);
  }

  static <T> T await(Future<T> future, int seconds) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  // ---- join and send latency ------------------------------------------------------------------------------

  static void latency(String what, String sec, String mode, int rate, int seconds) throws Exception {
    secret = sec;
    String run = Long.toString(System.nanoTime() % 1_000_000, 36);
    int users = 100;
    Map<String, Long> pending = new ConcurrentHashMap<>();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger errors = new AtomicInteger();
    List<WebSocket> sockets = new ArrayList<>();
    boolean[] measuring = {false};
    for (int u = 0; u < users; u++) {
      String user = run + "u" + u;
      sockets.add(await(session(user, false, frame -> {
        String type = frame.getString("type");
        String key = type.equals("ack") || (type.equals("error") && frame.containsKey("seq"))
            ? user + " s" + frame.getLong("seq") : user + " r" + frame.getLong("ref");
        Long sentAt = pending.remove(key);
        if (sentAt == null) {
          return;
        }
        if (type.equals("error")) {
          errors.incrementAndGet();
        } else if (measuring[0]) {
          latencies.add(System.nanoTime() - sentAt);
        }
      }, () -> { }), 30));
    }
    String group = mode.equals("hook") ? (what.equals("join") ? "paid." : "hooked.") : (what.equals("join") ? "claim." : "plain.");
    if (what.equals("send")) { // each session in its own group, joined before anything is timed
      for (int u = 0; u < users; u++) {
        pending.put(run + "u" + u + " r0", System.nanoTime());
        sockets.get(u).writeTextMessage(new JsonObject().put("type", "join").put("ref", 0)
            .put("channel", "group/" + group + run + u).encode());
      }
    }
    int warmup = 3;
    int total = rate * (warmup + seconds);
    int[] n = {0};
    long start = System.nanoTime();
    long timer = vertx.setPeriodic(5, id -> {
      long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
      measuring[0] = System.nanoTime() - start >= warmup * 1_000_000_000L;
      while (n[0] < Math.min(due, total)) {
        int i = ++n[0];
        int u = i % users;
        String user = run + "u" + u;
        JsonObject frame = what.equals("join")
            ? new JsonObject().put("type", "join").put("ref", i).put("channel", "group/" + group + run + "." + i)
            : new JsonObject().put("type", "send").put("seq", i).put("channel", "group/" + group + run + u).put("body", "m" + i);
        pending.put(user + (what.equals("join") ? " r" : " s") + i, System.nanoTime());
        sockets.get(u).writeTextMessage(frame.encode());
      }
    });
    long deadline = System.nanoTime() + (warmup + seconds + 20) * 1_000_000_000L;
    while ((n[0] < total || !pending.isEmpty()) && System.nanoTime() < deadline) {
      Thread.sleep(50); // waits for the last answers, bounded; nothing is synchronised by it
    }
    vertx.cancelTimer(timer);
    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf("%s %s at %d/s for %d s: %d answered, %d errors, %d unanswered; p50 %.2f ms, p99 %.2f ms,"
            + " max %.1f ms%n", what, mode, rate, seconds, sorted.length, errors.get(), pending.size(),
        Bench.pct(sorted, 0.50), Bench.pct(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
  }

  // ---- connect CPU ----------------------------------------------------------------------------------------

  static void connect(long pid, String sec, String mode, int n) throws Exception {
    secret = sec;
    String run = Long.toString(System.nanoTime() % 1_000_000, 36);
    boolean hook = mode.equals("hook");
    long cpu0 = Bench.cpuMicros(pid);
    long t0 = System.nanoTime();
    int failed = Bench.inTurn(vertx, n, 64, i -> session(run + "c" + i, hook, frame -> { }, () -> { })
        .onSuccess(WebSocket::close)).get(300, TimeUnit.SECONDS);
    long cpu = Bench.cpuMicros(pid) - cpu0;
    System.out.printf("connect %s: %d in %.1f s, %d failed; node CPU %d us per connection%n", mode, n,
        (System.nanoTime() - t0) / 1e9, failed, cpu / n);
  }

  // ---- the backend down under load ------------------------------------------------------------------------

  static Process startBackend(int backendPort, String sec) throws Exception {
    if (accepts(backendPort)) {
      throw new IllegalStateException("port " + backendPort + " is taken: the backend this run kills must be its own");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "bench/HookCost.java", "backend",
        Integer.toString(backendPort), sec).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline && p.isAlive()) {
      if (accepts(backendPort)) {
        return p;
      }
      Thread.sleep(50); // polls for the port, bounded
    }
    throw new IllegalStateException("the backend did not start");
  }

  static boolean accepts(int port) {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  record Answer(long sentAt, long nanos, String outcome) {
  }

  static void outage(int backendPort, String sec, int sessions, int downSeconds) throws Exception {
    secret = sec;
    String run = Long.toString(System.nanoTime() % 1_000_000, 36);
    Process backend = startBackend(backendPort, sec);
    AtomicInteger closed = new AtomicInteger();
    Map<String, Long> pending = new ConcurrentHashMap<>();
    List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
    List<WebSocket> sockets = new ArrayList<>();
    for (int u = 0; u < sessions; u += 200) {
      List<Future<WebSocket>> batch = new ArrayList<>();
      for (int k = u; k < Math.min(sessions, u + 200); k++) {
        String user = run + "o" + k;
        batch.add(session(user, true, frame -> {
          String type = frame.getString("type");
          if (!type.equals("ack") && !type.equals("joined") && !type.equals("error")) {
            return;
          }
          String key = user + (frame.containsKey("seq") ? " s" + frame.getLong("seq") : " r" + frame.getLong("ref"));
          Long sentAt = pending.remove(key);
          if (sentAt != null) {
            answers.add(new Answer(sentAt, System.nanoTime() - sentAt, type.equals("error") ? frame.getString("code") : "ok"));
          }
        }, closed::incrementAndGet));
      }
      for (Future<WebSocket> f : batch) {
        sockets.add(await(f, 60));
      }
    }
    for (int u = 0; u < sessions; u++) {
      sockets.get(u).writeTextMessage(new JsonObject().put("type", "join").put("ref", 0)
          .put("channel", "group/hooked." + run + "." + (u % 100)).encode());
    }
    System.out.printf("outage: %d sessions signed in through the connect hook and joined%n", sessions);
    int rate = 40;
    int[] n = {0};
    long start = System.nanoTime();
    long timer = vertx.setPeriodic(5, id -> {
      long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
      while (n[0] < due) {
        int i = ++n[0];
        int u = (i * 7919) % sessions;
        String user = run + "o" + u;
        JsonObject frame = i % 2 == 0
            ? new JsonObject().put("type", "send").put("seq", i).put("channel", "group/hooked." + run + "." + (u % 100)).put("body", "m")
            : new JsonObject().put("type", "join").put("ref", i).put("channel", "group/paid." + run + "." + i);
        pending.put(user + (i % 2 == 0 ? " s" : " r") + i, System.nanoTime());
        sockets.get(u).writeTextMessage(frame.encode());
      }
    });
    Thread.sleep(5_000); // the phases of the run are times by design
    long killedAt = System.nanoTime();
    backend.destroyForcibly().waitFor();
    Thread.sleep(downSeconds * 1_000L);
    backend = startBackend(backendPort, sec);
    long backAt = System.nanoTime();
    Thread.sleep(15_000);
    vertx.cancelTimer(timer);
    Thread.sleep(3_000); // last answers
    backend.destroyForcibly().waitFor();
    report(answers, killedAt, backAt, closed.get(), sessions, pending.size());
  }

  static void report(List<Answer> answers, long killedAt, long backAt, int closed, int sessions, int unanswered) {
    List<Answer> all;
    synchronized (answers) {
      all = new ArrayList<>(answers);
    }
    all.sort(java.util.Comparator.comparingLong(Answer::sentAt));
    Map<String, Integer> before = new java.util.TreeMap<>();
    Map<String, Integer> down = new java.util.TreeMap<>();
    Map<String, Integer> after = new java.util.TreeMap<>();
    long slowestDown = 0;
    long lastFailureAfter = -1;
    long firstOkAfter = -1;
    for (Answer a : all) {
      if (a.sentAt() < killedAt) {
        before.merge(a.outcome(), 1, Integer::sum);
      } else if (a.sentAt() < backAt) {
        down.merge(a.outcome(), 1, Integer::sum);
        slowestDown = Math.max(slowestDown, a.nanos());
      } else {
        after.merge(a.outcome(), 1, Integer::sum);
        long at = a.sentAt() - backAt;
        if (!a.outcome().equals("ok")) {
          lastFailureAfter = Math.max(lastFailureAfter, at);
        } else if (firstOkAfter < 0) {
          firstOkAfter = at;
        }
      }
    }
    System.out.printf("outage: sessions closed %d of %d; unanswered %d%n", closed, sessions, unanswered);
    System.out.printf("  before: %s; while down (%.0f s): %s, slowest answer %.1f ms; after: %s%n", before,
        (backAt - killedAt) / 1e9, down, slowestDown / 1e6, after);
    System.out.printf("  after the backend was back: first normal answer to a request sent %.2f s later; last"
        + " unavailable to one sent %.2f s later%n", firstOkAfter / 1e9, lastFailureAfter < 0 ? 0 : lastFailureAfter / 1e9);
  }
}
