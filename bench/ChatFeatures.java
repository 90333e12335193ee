import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 31's costs, driven against a running node on Redis (dev sign-in, API_KEY set). Run with the gateway jar on the
 * classpath:
 *   java -cp gateway-node.jar bench/ChatFeatures.java WHAT ARGS
 *   receipts host port apiKey nodePid redisPid GROUP_SIZE READS_PER_S SECONDS: 400 members (at least one group) in
 *     groups of GROUP_SIZE, 20 messages/s into them (API publishes, round robin); then SECONDS without reads and
 *     SECONDS with READS_PER_S reads (a random member marks the newest message it has), twice each, in turn; node and
 *     Redis CPU per read (the second phase's less the first's), receipts delivered per read
 *   connect host port apiKey CHANNELS N ROUNDS: a user in CHANNELS groups with a read marker in each, and one in the
 *     same groups with none; ROUNDS rounds of N connects of each in turn (one at a time), connect-to-connected p50/p99
 */
public class ChatFeatures {
  static Vertx vertx;
  static WebSocketClient ws;
  static String host;
  static int port;
  static String apiKey;

  public static void main(String[] args) {
    try {
      vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
      ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(5000)
          .setTryUsePerMessageCompression(false).setTryUsePerFrameCompression(false));
      host = args[1];
      port = Integer.parseInt(args[2]);
      apiKey = args[3];
      switch (args[0]) {
        case "receipts" -> receipts(Long.parseLong(args[4]), Long.parseLong(args[5]), Integer.parseInt(args[6]),
            Integer.parseInt(args[7]), Integer.parseInt(args[8]));
        case "connect" -> connect(Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]));
        default -> throw new IllegalArgumentException(args[0]);
      }
      System.exit(0);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  /** One member: its socket, and the newest position it received in its group. */
  static final class Member {
    final String user;
    final String group;
    WebSocket socket;
    volatile String newest;

    Member(String user, String group) {
      this.user = user;
      this.group = group;
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
  }

  static Future<Void> publish(String channel, Object body) {
    return vertx.createHttpClient().request(new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
            .setURI("/api/publish").putHeader("Authorization", "Bearer " + apiKey).putHeader("Content-Type", "application/json"))
        .compose(req -> req.send(new JsonObject().put("channel", channel).put("from", "feeder").put("body", body).encode()))
        .compose(resp -> resp.statusCode() == 200 ? Future.succeededFuture() : Future.failedFuture("publish: " + resp.statusCode()));
  }

  static void receipts(long nodePid, long redisPid, int groupSize, int readsPerSecond, int seconds) throws Exception {
    String run = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    int groups = Math.max(1, 400 / groupSize);
    List<Member> members = new ArrayList<>();
    AtomicLong receipts = new AtomicLong();
    AtomicLong answers = new AtomicLong();
    for (int g = 0; g < groups; g++) {
      for (int m = 0; m < groupSize; m++) {
        members.add(new Member("r" + run + "g" + g + "m" + m, "group/rc" + run + "-" + g));
      }
    }
    int failed = Bench.inTurn(vertx, members.size(), 64, i -> {
      Member member = members.get(i);
      return Bench.session(ws, host, port, new JsonObject().put("type", "connect").put("user", member.user), frame -> {
        switch (frame.getString("type")) {
          case "message" -> member.newest = frame.getString("position");
          case "read" -> {
            if (frame.containsKey("ref")) {
              answers.incrementAndGet();
            } else {
              receipts.incrementAndGet();
            }
          }
          default -> { }
        }
      }, () -> { }).compose(socket -> {
        member.socket = socket;
        socket.writeTextMessage(new JsonObject().put("type", "join").put("ref", 1).put("channel", member.group).encode());
        return Future.succeededFuture();
      });
    }).get();
    if (failed > 0) {
      throw new IllegalStateException(failed + " members could not connect");
    }
    Thread.sleep(2_000); // the joins done
    // 20 messages/s over the groups, throughout
    int[] next = {0};
    long feed = vertx.setPeriodic(50, id -> publish("group/rc" + run + "-" + (next[0]++ % groups), "news " + next[0]));
    long[] reader = {-1};
    long[] asked = {0};
    Thread.sleep(3_000); // every member has a message
    System.out.printf("receipts: %d groups of %d members, 20 messages/s, %d reads/s in the read phases%n", groups,
        groupSize, readsPerSecond);
    double[] nodePerRead = new double[2];
    double[] redisPerRead = new double[2];
    for (int round = 0; round < 2; round++) {
      long n0 = Bench.cpuMicros(nodePid);
      long r0 = Bench.cpuMicros(redisPid);
      Thread.sleep(seconds * 1_000L);
      long quietNode = Bench.cpuMicros(nodePid) - n0;
      long quietRedis = Bench.cpuMicros(redisPid) - r0;
      long receipts0 = receipts.get();
      long asked0 = asked[0];
      int perTick = Math.max(1, readsPerSecond / 100);
      reader[0] = vertx.setPeriodic(10, id -> {
        for (int k = 0; k < perTick; k++) {
          Member member = members.get(ThreadLocalRandom.current().nextInt(members.size()));
          if (member.newest != null) {
            asked[0]++;
            member.socket.writeTextMessage(new JsonObject().put("type", "read").put("ref", asked[0])
                .put("channel", member.group).put("position", member.newest).encode());
          }
        }
      });
      long n1 = Bench.cpuMicros(nodePid);
      long r1 = Bench.cpuMicros(redisPid);
      Thread.sleep(seconds * 1_000L);
      vertx.cancelTimer(reader[0]);
      long readNode = Bench.cpuMicros(nodePid) - n1;
      long readRedis = Bench.cpuMicros(redisPid) - r1;
      Thread.sleep(1_000); // receipts in flight
      long reads = asked[0] - asked0;
      nodePerRead[round] = (readNode - quietNode) / (double) reads;
      redisPerRead[round] = (readRedis - quietRedis) / (double) reads;
      System.out.printf("  round %d: %d reads (%.0f/s), %d receipts delivered (%.1f per read); node CPU %.2f s without"
              + " reads, %.2f s with: %.1f us per read; Redis %.2f s, %.2f s: %.1f us per read%n", round + 1, reads,
          reads / (double) seconds, receipts.get() - receipts0, (receipts.get() - receipts0) / (double) reads,
          quietNode / 1e6, readNode / 1e6, nodePerRead[round], quietRedis / 1e6, readRedis / 1e6, redisPerRead[round]);
    }
    vertx.cancelTimer(feed);
    System.out.printf("receipts %d members: node %.1f / %.1f us per read, Redis %.1f / %.1f us per read; answered %d of %d%n",
        groupSize, nodePerRead[0], nodePerRead[1], redisPerRead[0], redisPerRead[1], answers.get(), asked[0]);
  }

  static void connect(int channels, int n, int rounds) throws Exception {
    String run = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    String marked = "cm" + run;
    String plain = "cp" + run;
    List<String> groups = new ArrayList<>();
    for (int g = 0; g < channels; g++) {
      groups.add("group/cf" + run + "-" + g);
    }
    for (String user : List.of(marked, plain)) {
      WebSocket socket = await(Bench.session(ws, host, port, new JsonObject().put("type", "connect").put("user", user),
          f -> { }, () -> { }));
      for (int g = 0; g < channels; g++) {
        socket.writeTextMessage(new JsonObject().put("type", "join").put("ref", g).put("channel", groups.get(g)).encode());
      }
      Thread.sleep(1_000);
      await(socket.close());
    }
    // a message in each group; the marked user reads each (her marker at it), then a second message (1 unread)
    List<String> positions = new ArrayList<>();
    List<JsonObject> reads = new java.util.concurrent.CopyOnWriteArrayList<>();
    WebSocket reader = await(Bench.session(ws, host, port, new JsonObject().put("type", "connect").put("user", marked),
        f -> {
          if (f.getString("type").equals("message")) {
            synchronized (positions) {
              positions.add(f.getString("channel") + " " + f.getString("position"));
            }
          } else if (f.getString("type").equals("read") || f.getString("type").equals("error")) {
            reads.add(f);
          }
        }, () -> { }));
    for (String group : groups) {
      await(publish(group, "first"));
    }
    Thread.sleep(1_000);
    synchronized (positions) {
      for (int i = 0; i < positions.size(); i++) {
        String[] cp = positions.get(i).split(" ");
        reader.writeTextMessage(new JsonObject().put("type", "read").put("ref", i).put("channel", cp[0])
            .put("position", cp[1]).encode());
      }
    }
    Thread.sleep(1_000);
    await(reader.close());
    for (String group : groups) {
      await(publish(group, "second"));
    }
    long errors = reads.stream().filter(f -> f.getString("type").equals("error")).count();
    System.out.printf("connect: %d groups; %d markers set (%d refused)%n", channels, reads.size() - errors, errors);
    JsonObject[] unread = new JsonObject[1];
    List<Long> withMarkers = new ArrayList<>();
    List<Long> without = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      for (String user : List.of(marked, plain)) {
        List<Long> times = user.equals(marked) ? withMarkers : without;
        long[] these = new long[n];
        for (int i = 0; i < n; i++) {
          long t0 = System.nanoTime();
          JsonObject[] connected = new JsonObject[1];
          WebSocket socket = await(ws.connect(port, host, "/ws").compose(s -> {
            io.vertx.core.Promise<WebSocket> ready = io.vertx.core.Promise.promise();
            s.textMessageHandler(text -> {
              JsonObject frame = new JsonObject(text);
              if (frame.getString("type").equals("connected")) {
                connected[0] = frame;
                ready.tryComplete(s);
              }
            });
            s.writeTextMessage(new JsonObject().put("type", "connect").put("user", user).encode());
            return ready.future();
          }));
          these[i] = System.nanoTime() - t0;
          if (user.equals(marked)) {
            unread[0] = connected[0].getJsonObject("unread");
          }
          await(socket.close());
        }
        Arrays.sort(these);
        for (long t : these) {
          times.add(t);
        }
        System.out.printf("  round %d %-15s p50 %.2f ms p99 %.2f ms%n", round + 1,
            user.equals(marked) ? "with markers" : "without", Bench.pct(these, 0.5), Bench.pct(these, 0.99));
      }
    }
    long[] a = withMarkers.stream().mapToLong(Long::longValue).sorted().toArray();
    long[] b = without.stream().mapToLong(Long::longValue).sorted().toArray();
    long ones = unread[0].stream().filter(e -> ((Number) e.getValue()).intValue() == 1).count();
    System.out.printf("connect with %d marked channels: p50 %.2f ms (p99 %.2f) against %.2f ms (p99 %.2f) without:"
            + " %+.2f ms at p50; unread listed %d channels, %d of them at 1%n", channels, Bench.pct(a, 0.5),
        Bench.pct(a, 0.99), Bench.pct(b, 0.5), Bench.pct(b, 0.99), Bench.pct(a, 0.5) - Bench.pct(b, 0.5),
        unread[0].size(), ones);
  }
}
