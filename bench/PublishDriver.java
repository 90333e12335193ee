import chat.gateway.config.GatewayConfig;
import chat.gateway.history.DedupeKey;
import chat.gateway.history.Draft;
import chat.gateway.history.RedisHistoryStore;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.redis.RedisCommands;
import chat.gateway.service.IdGenerator;
import chat.gateway.webhook.Recording;
import chat.protocol.Channel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Command;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node's publish path and nothing else: the gateway's own RedisHistoryStore (publish.lua: dedupe, the
 * membership check, XADD with trims, PUBLISH/SPUBLISH; on a cluster routed by slot, with WAIT when replicas
 * exist) called directly, for group sends spread over GROUPS groups. No WebSockets, no nodes.
 *   closed loop: COUNT messages with CONCURRENCY in flight (throughput: messages/s)
 *   open loop:   RATE messages/s for COUNT messages, each timed from when it was due (latency)
 * The store comes from the environment as for a node (REDIS_URL, REDIS_CLUSTER_NODES, REDIS_WAIT_REPLICAS,
 * REDIS_KEY_PREFIX, HISTORY_*, WEBHOOK_URL/WEBHOOK_SECRET for the message events; WARMUP: messages left out of the
 * latency figures). Prints one line: messages, seconds,
 * messages/s, latency p50/p99/max in ms, failures.
 * Run: java -cp gateway-node/target/gateway-node.jar bench/PublishDriver.java closed|open COUNT CONCURRENCY|RATE GROUPS
 */
public class PublishDriver {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int count = Integer.parseInt(args[1]);
    int param = Integer.parseInt(args[2]);
    int groups = Integer.parseInt(args[3]);
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putIfAbsent("NODE_ID", "bench-driver");
    GatewayConfig config = GatewayConfig.fromEnv(env);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry(), () -> false);
    RedisCommands redis = RedisCommands.of(vertx, config.redis(), config.nodeId(), 2, metrics);
    redis.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    // as a node builds it (Backends.redis): the history window, dedupe and webhooks of the environment's config
    RedisHistoryStore history = new RedisHistoryStore(redis, () -> true, Clock.systemUTC(), config.historyMaxMessages(),
        config.historyMaxAge(), config.dedupeTtl(), new Recording(config.webhooks(), redis));
    List<Future<?>> joined = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      joined.add(redis.send(Command.SADD, redis.keys().members("bench-" + g), "sender" + g));
    }
    Future.all(joined).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    IdGenerator ids = new IdGenerator();
    String body = "\"hello from the publish driver: about a hundred bytes of body to look like a chat line.\"";
    long runId = System.currentTimeMillis();
    long[] latencies = new long[count];
    AtomicInteger done = new AtomicInteger();
    AtomicLong failures = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(1);
    long start = System.nanoTime();
    Runnable[] next = new Runnable[1];
    AtomicInteger issued = new AtomicInteger();
    next[0] = () -> {
      int i = issued.getAndIncrement();
      if (i >= count) {
        return;
      }
      long due = mode.equals("open") ? start + (long) (i * 1e9 / param) : System.nanoTime();
      int g = i % groups;
      long ts = System.currentTimeMillis();
      Draft draft = new Draft(ids.next(ts), "sender" + g, Channel.group("bench-" + g),
          List.of("group/bench-" + g), ts, body, DedupeKey.send("sender" + g, "d" + runId, i + 1), true);
      history.append(draft).onComplete(ar -> {
        latencies[i] = System.nanoTime() - due;
        if (ar.failed()) {
          failures.incrementAndGet();
        }
        if (done.incrementAndGet() == count) {
          finished.countDown();
        } else if (mode.equals("closed")) {
          next[0].run();
        }
      });
    };
    if (mode.equals("closed")) {
      for (int c = 0; c < param; c++) {
        vertx.runOnContext(v -> next[0].run());
      }
    } else {
      long periodNanos = (long) (1e9 / param);
      Thread pacer = new Thread(() -> {
        for (int i = 0; i < count; i++) {
          long due = start + i * periodNanos;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait); // the open loop's schedule
          }
          vertx.runOnContext(v -> next[0].run());
        }
      });
      pacer.start();
    }
    if (!finished.await(600, TimeUnit.SECONDS)) {
      throw new IllegalStateException("not finished in 600 s: " + done.get() + " of " + count);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // the first WARMUP messages (JIT, connections, the streams reaching their cap) count for throughput only
    int warmup = Math.min(count - 1, Integer.parseInt(env.getOrDefault("WARMUP", "0")));
    long[] sorted = Arrays.copyOfRange(latencies, warmup, count);
    Arrays.sort(sorted);
    int n = sorted.length;
    System.out.printf("messages=%d seconds=%.2f messages_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f failures=%d%n",
        count, seconds, count / seconds, sorted[n / 2] / 1e6, sorted[(int) (n * 0.99)] / 1e6,
        sorted[n - 1] / 1e6, failures.get());
    redis.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close();
  }
}
