package chat.gateway.webhook;

import chat.gateway.config.WebhookConfig;
import chat.gateway.hook.HookSigner;
import chat.gateway.hook.SignedPost;
import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Who delivers a node's webhook events: a {@link WebhookDispatcher} per shard, started and stopped as the shards
 * change (a cluster's topology). Embedded, the events wait in this process's memory ({@link MemoryWebhookQueue},
 * made first: the stores record into it); on Redis, in the shard's streams, delivered by whichever node holds the
 * shard's lease.
 */
public final class Webhooks {
  private static final Webhooks NONE = new Webhooks(null, null, null, null);
  /** Answers are not read: a receiver's body is only drained, up to this much. */
  private static final int MAX_ANSWER_BYTES = 64 * 1024;
  /** Connections to the receiver: one batch in flight per shard. */
  private static final int CONNECTIONS = 16;

  private final WebhookShards shards;
  private final Context context;
  private final Function<WebhookShard, WebhookDispatcher> dispatcherOf;
  private final Map<Integer, Delivery> running = new ConcurrentHashMap<>();
  /** Drops counted by shards this node no longer delivers. */
  private final AtomicLong droppedBefore = new AtomicLong();
  private boolean stopped;

  private record Delivery(WebhookShard shard, WebhookDispatcher dispatcher) {
  }

  private Webhooks(WebhookShards shards, Context context, Function<WebhookShard, WebhookDispatcher> dispatcherOf,
                   GatewayMetrics metrics) {
    this.shards = shards;
    this.context = context;
    this.dispatcherOf = dispatcherOf;
    if (metrics != null) {
      metrics.webhookWaiting(() -> sum(WebhookShard::waiting),
          () -> droppedBefore.get() + sum(WebhookShard::droppedForBacklog));
    }
  }

  /** An embedded node's event queue, or null when webhooks are off. */
  public static MemoryWebhookQueue memoryQueue(WebhookConfig config, String nodeId) {
    return config.on() ? new MemoryWebhookQueue(config, nodeId) : null;
  }

  /** Delivers the events of {@code shards} (none: webhooks off), each post within {@code timeout} ({@code HOOK_TIMEOUT}). */
  public static Webhooks deliver(WebhookConfig config, WebhookShards shards, Duration timeout, Vertx vertx,
                                 GatewayMetrics metrics, Clock clock, String nodeId) {
    if (!config.on() || shards == null) {
      return NONE;
    }
    SignedPost post = new SignedPost(vertx, vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
            .setConnectTimeout((int) Math.max(1, timeout.toMillis())), new PoolOptions().setHttp1MaxSize(CONNECTIONS)),
        new HookSigner(config.secret()), config.url(), timeout.toMillis(), MAX_ANSWER_BYTES, nodeId + "-webhook-");
    Context context = vertx.getOrCreateContext();
    return new Webhooks(shards, context, shard -> new WebhookDispatcher(shard, post, context, clock, metrics, config),
        metrics);
  }

  public void start() {
    if (shards != null) {
      shards.onChange(() -> context.runOnContext(v -> follow()));
      context.runOnContext(v -> follow());
    }
  }

  public void stop() {
    if (shards != null) {
      context.runOnContext(v -> {
        stopped = true;
        running.values().forEach(d -> d.dispatcher().stop());
      });
    }
  }

  /** A dispatcher for each shard there is now; those of shards gone stop. On the context. */
  private void follow() {
    if (stopped) {
      return;
    }
    Map<Integer, WebhookShard> now = shards.now();
    running.entrySet().removeIf(e -> {
      if (now.get(e.getKey()) == e.getValue().shard()) {
        return false;
      }
      e.getValue().dispatcher().stop();
      e.getValue().shard().close();
      droppedBefore.addAndGet(e.getValue().shard().droppedForBacklog());
      return true;
    });
    now.forEach((name, shard) -> running.computeIfAbsent(name, n -> {
      WebhookDispatcher dispatcher = dispatcherOf.apply(shard);
      dispatcher.start();
      return new Delivery(shard, dispatcher);
    }));
  }

  private long sum(ToLongFunction<WebhookShard> of) {
    long total = 0;
    for (Delivery d : running.values()) {
      total += of.applyAsLong(d.shard());
    }
    return total;
  }
}
