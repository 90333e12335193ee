import chat.protocol.client.ChatClient;
import chat.protocol.client.ClientOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cross-node group fan-out: members of G groups spread round-robin over the given nodes, one sender per
 * group on a fixed schedule (open loop: sends are not paced by acks), latency from the server's accept
 * time (message ts) to receipt. The first WARMUP seconds are not counted.
 * java -cp gateway-node.jar bench/FanoutBench.java PORTS CLIENTS GROUPS RATE SECONDS
 *   PORTS: comma-separated node ports; RATE: messages per second, all groups together.
 */
public class FanoutBench {
  private static final int WARMUP_SECONDS = 3;

  public static void main(String[] args) throws Exception {
    int[] ports = Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray();
    int clients = Integer.parseInt(args[1]);
    int groups = Integer.parseInt(args[2]);
    int rate = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    int capacity = rate * (seconds + 5) * (clients / groups + 1);
    long[] latencies = new long[capacity];
    AtomicInteger recorded = new AtomicInteger();
    AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE);
    List<Future<?>> ready = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      ChatClient client = new ChatClient(vertx, new ClientOptions().host("127.0.0.1").port(ports[i % ports.length])
          .user("m" + i).device("bench"));
      client.onMessage(m -> {
        long now = System.currentTimeMillis();
        if (m.ts() >= measureFrom.get()) {
          int slot = recorded.getAndIncrement();
          if (slot < latencies.length) {
            latencies[slot] = now - m.ts();
          }
        }
      });
      String group = "group/b" + (i % groups);
      ready.add(client.connect().compose(c -> client.join(group)));
    }
    List<ChatClient> senders = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      ChatClient sender = new ChatClient(vertx, new ClientOptions().host("127.0.0.1").port(ports[g % ports.length])
          .user("sender" + g).device("bench"));
      String group = "group/b" + g;
      ready.add(sender.connect().compose(c -> sender.join(group)));
      senders.add(sender);
    }
    ready.forEach(f -> f.toCompletionStage().toCompletableFuture().join());
    System.out.printf("connected %d members and %d senders over %d nodes%n", clients, groups, ports.length);

    AtomicLong sent = new AtomicLong();
    AtomicLong acked = new AtomicLong();
    long intervalMicros = 1_000_000L * groups / rate;
    long start = System.currentTimeMillis();
    measureFrom.set(start + WARMUP_SECONDS * 1000L);
    for (int g = 0; g < groups; g++) {
      ChatClient sender = senders.get(g);
      String group = "group/b" + g;
      vertx.setTimer(1 + g * Math.max(1, intervalMicros / 1000 / groups), first ->
          vertx.setPeriodic(Math.max(1, intervalMicros / 1000), id -> {
            if (System.currentTimeMillis() - start >= seconds * 1000L) {
              vertx.cancelTimer(id);
              return;
            }
            sent.incrementAndGet();
            sender.send(group, new JsonObject().put("t", System.currentTimeMillis())).onSuccess(a -> acked.incrementAndGet());
          }));
    }
    Thread.sleep(seconds * 1000L + 3000); // run length of the benchmark, then a grace period for the last deliveries
    int n = Math.min(recorded.get(), latencies.length);
    long[] sample = Arrays.copyOf(latencies, n);
    Arrays.sort(sample);
    double measured = seconds - WARMUP_SECONDS;
    System.out.printf("sent %d, acked %d, deliveries counted %d over %.0f s = %.0f deliveries/s%n", sent.get(),
        acked.get(), n, measured, n / measured);
    System.out.printf("latency ms: p50 %d, p90 %d, p99 %d, p99.9 %d, max %d%n", pct(sample, 50), pct(sample, 90),
        pct(sample, 99), pct(sample, 99.9), n == 0 ? 0 : sample[n - 1]);
    vertx.close();
    System.exit(0);
  }

  private static long pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
  }
}
