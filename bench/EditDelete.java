import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issue 32's costs, driven against a running node on Redis (dev sign-in). Run with the gateway jar on the classpath:
 *   java -cp gateway-node.jar bench/EditDelete.java WHAT ARGS
 *   ops host port redisPid RATE SECONDS: 50 senders in 50 groups; SECONDS of plain sends at RATE/s, then SECONDS of
 *     edits of those messages, then SECONDS of deletions of them (each op once); per phase send-to-ack p50/p99 and
 *     Redis CPU per operation
 *   pages host port N ROUNDS: two groups of 1,000 messages, one with every tenth deleted (after an edit of it); ROUNDS
 *     rounds of N history pages (50, newest) of each in turn, and N resumes from the start (connect to the last of the
 *     1,000 replayed); p50/p99 of each
 */
public class EditDelete {
  static Vertx vertx;
  static WebSocketClient ws;
  static String host;
  static int port;

  public static void main(String[] args) {
    try {
      vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
      ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1000)
          .setTryUsePerMessageCompression(false).setTryUsePerFrameCompression(false));
      host = args[1];
      port = Integer.parseInt(args[2]);
      switch (args[0]) {
        case "ops" -> ops(Long.parseLong(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]));
        case "pages" -> pages(Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        default -> throw new IllegalArgumentException(args[0]);
      }
      System.exit(0);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** A connected sender: its acks by seq (with the time it was sent), and every frame to a listener. */
  static final class Sender {
    final String user;
    final String group;
    WebSocket socket;
    long seq;
    final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    final Map<Long, JsonObject> acks = new ConcurrentHashMap<>();
    final List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());

    Sender(String user, String group) {
      this.user = user;
      this.group = group;
    }

    void send(JsonObject frame) {
      long s = ++seq;
      sentAt.put(s, System.nanoTime());
      socket.writeTextMessage(frame.put("type", "send").put("seq", s).put("channel", group).encode());
    }
  }

  static void ops(long redisPid, int rate, int seconds) throws Exception {
    String run = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    List<Sender> senders = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      senders.add(new Sender("ed" + run + "u" + i, "group/ed" + run + "-" + i));
    }
    Bench.inTurn(vertx, senders.size(), 16, i -> {
      Sender s = senders.get(i);
      return Bench.session(ws, host, port, new JsonObject().put("type", "connect").put("user", s.user), frame -> {
        if (frame.getString("type").equals("ack") || frame.getString("type").equals("error")) {
          long seq = frame.getLong("seq", -1L);
          Long at = s.sentAt.remove(seq);
          if (at != null) {
            s.latencies.add(System.nanoTime() - at);
            s.acks.put(seq, frame);
          }
        }
      }, () -> { }).compose(socket -> {
        s.socket = socket;
        socket.writeTextMessage(new JsonObject().put("type", "join").put("ref", 1).put("channel", s.group).encode());
        return Future.succeededFuture();
      });
    }).get();
    Thread.sleep(1_000);
    List<List<String>> sentIds = new ArrayList<>();
    for (String phase : List.of("send", "edit", "delete")) {
      senders.forEach(s -> s.latencies.clear());
      long r0 = Bench.cpuMicros(redisPid);
      long seqBefore = senders.get(0).seq;
      int perTick = Math.max(1, rate / 100);
      int[] n = {0};
      Promise<Void> done = Promise.promise();
      int total = rate * seconds;
      vertx.setPeriodic(10, id -> {
        for (int k = 0; k < perTick && n[0] < total; k++, n[0]++) {
          Sender s = senders.get(n[0] % senders.size());
          int i = n[0] / senders.size();
          switch (phase) {
            case "send" -> s.send(new JsonObject().put("body", "message " + i + " of " + s.user));
            case "edit" -> s.send(new JsonObject().put("body", "message " + i + ", edited").put("replaces",
                sentIds.get(n[0] % senders.size()).get(i)));
            default -> s.send(new JsonObject().put("deletes", sentIds.get(n[0] % senders.size()).get(i)));
          }
        }
        if (n[0] >= total) {
          vertx.cancelTimer(id);
          done.complete();
        }
      });
      await(done.future());
      long deadline = System.currentTimeMillis() + 30_000;
      while (senders.stream().anyMatch(s -> !s.sentAt.isEmpty()) && System.currentTimeMillis() < deadline) {
        Thread.sleep(50); // the last acks
      }
      long redis = Bench.cpuMicros(redisPid) - r0;
      if (phase.equals("send")) {
        for (Sender s : senders) {
          List<String> ids = new ArrayList<>();
          for (long q = seqBefore + 1; q <= s.seq; q++) {
            ids.add(s.acks.get(q).getString("id"));
          }
          sentIds.add(ids);
        }
      }
      long errors = senders.stream().flatMap(s -> s.acks.values().stream())
          .filter(f -> f.getString("type").equals("error")).count();
      long[] sorted = senders.stream().flatMap(s -> new ArrayList<>(s.latencies).stream()).mapToLong(Long::longValue)
          .sorted().toArray();
      System.out.printf("%-6s %d at %d/s: send-to-ack p50 %.2f ms p99 %.2f ms max %.2f ms; Redis CPU %.1f us per"
              + " operation; errors so far %d%n", phase, sorted.length, rate, Bench.pct(sorted, 0.5),
          Bench.pct(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6, redis / (double) total,
          errors);
    }
  }

  static void pages(int n, int rounds) throws Exception {
    String run = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    String clean = "group/pc" + run;
    String holed = "group/ph" + run;
    Map<String, String> startOf = new ConcurrentHashMap<>();
    for (String group : List.of(clean, holed)) {
      List<JsonObject> acks = java.util.Collections.synchronizedList(new ArrayList<>());
      WebSocket socket = await(Bench.session(ws, host, port, new JsonObject().put("type", "connect")
          .put("user", "writer" + run), f -> {
            if (f.getString("type").equals("ack")) {
              acks.add(f);
            } else if (f.getString("type").equals("joined")) {
              startOf.put(group, f.getString("position"));
            }
          }, () -> { }));
      socket.writeTextMessage(new JsonObject().put("type", "join").put("ref", 1).put("channel", group).encode());
      while (!startOf.containsKey(group)) {
        Thread.sleep(5); // a send before the join is done would be refused
      }
      long seqBase = group.equals(clean) ? 0 : 10_000;
      for (int i = 1; i <= 1000; i++) {
        while (acks.size() < i - 50) {
          Thread.sleep(5); // at most 50 unacked: within the node's bounds on a session
        }
        socket.writeTextMessage(new JsonObject().put("type", "send").put("seq", seqBase + i).put("channel", group)
            .put("body", "message " + i + " with a body of some length, as people write").encode());
      }
      while (acks.size() < 1000) {
        Thread.sleep(50);
      }
      if (group.equals(holed)) {
        int seq = 20_000;
        for (JsonObject ack : new ArrayList<>(acks)) {
          while (acks.size() < 1000 + (seq - 20_000) - 50) {
            Thread.sleep(5);
          }
          if (ack.getLong("seq") % 10 == 0) {
            socket.writeTextMessage(new JsonObject().put("type", "send").put("seq", ++seq).put("channel", group)
                .put("replaces", ack.getString("id")).put("body", "edited before it went").encode());
            socket.writeTextMessage(new JsonObject().put("type", "send").put("seq", ++seq).put("channel", group)
                .put("deletes", ack.getString("id")).encode());
          }
        }
        while (acks.size() < 1200) {
          Thread.sleep(50);
        }
      }
      await(socket.close());
    }
    System.out.printf("pages: %s 1,000 messages; %s 1,000 messages, every tenth edited then deleted (1,200 entries)%n",
        clean, holed);
    for (int round = 1; round <= rounds; round++) {
      for (String group : List.of(clean, holed)) {
        long[] page = new long[n];
        List<Promise<Long>> waiting = new java.util.concurrent.CopyOnWriteArrayList<>();
        WebSocket reader = await(Bench.session(ws, host, port, new JsonObject().put("type", "connect").put("user", "reader" + run),
            f -> {
              if (f.getString("type").equals("history") && !waiting.isEmpty()) {
                waiting.remove(0).complete(System.nanoTime());
              }
            }, () -> { }));
        reader.writeTextMessage(new JsonObject().put("type", "join").put("ref", 1).put("channel", group).encode());
        Thread.sleep(200);
        for (int i = 0; i < n; i++) {
          Promise<Long> answer = Promise.promise();
          waiting.add(answer);
          long t0 = System.nanoTime();
          reader.writeTextMessage(new JsonObject().put("type", "history").put("ref", i).put("channel", group)
              .put("limit", 50).encode());
          page[i] = await(answer.future()) - t0;
        }
        await(reader.close());
        long[] resume = new long[Math.max(1, n / 10)];
        WebSocket member = await(Bench.session(ws, host, port, new JsonObject().put("type", "connect")
            .put("user", "resumer" + run), f -> { }, () -> { }));
        member.writeTextMessage(new JsonObject().put("type", "join").put("ref", 1).put("channel", group).encode());
        Thread.sleep(200);
        await(member.close());
        for (int i = 0; i < resume.length; i++) {
          Promise<Long> last = Promise.promise();
          int[] count = {0};
          int expected = group.equals(clean) ? 1000 : 1200;
          long t0 = System.nanoTime();
          WebSocket s = await(Bench.session(ws, host, port, new JsonObject().put("type", "connect")
              .put("user", "resumer" + run).put("resume", new JsonObject().put(group, startOf.get(group))), f -> {
                if (f.getString("type").equals("message") && ++count[0] == expected) {
                  last.complete(System.nanoTime());
                }
              }, () -> { }));
          resume[i] = await(last.future()) - t0;
          await(s.close());
        }
        java.util.Arrays.sort(page);
        java.util.Arrays.sort(resume);
        System.out.printf("  round %d %-22s history page p50 %.2f ms p99 %.2f ms; resume of all p50 %.2f ms p99 %.2f ms%n",
            round, group.equals(clean) ? "none deleted" : "10 % deleted", Bench.pct(page, 0.5), Bench.pct(page, 0.99),
            Bench.pct(resume, 0.5), Bench.pct(resume, 0.99));
      }
    }
  }
}
