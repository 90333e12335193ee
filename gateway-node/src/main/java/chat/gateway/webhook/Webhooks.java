package chat.gateway.webhook;

import chat.gateway.config.WebhookConfig;
import chat.gateway.hook.HookSigner;
import chat.gateway.hook.SignedPost;
import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.time.Clock;
import java.time.Duration;

/**
 * Who delivers a node's webhook events: a {@link WebhookDispatcher} over the events of its shard. Embedded, the
 * events wait in this process's memory ({@link MemoryWebhookQueue}, made first: the stores record into it); on
 * Redis, in the shard's stream, delivered by whichever node holds its lease.
 */
public final class Webhooks {
  private static final Webhooks NONE = new Webhooks(null);
  /** Answers are not read: a receiver's body is only drained, up to this much. */
  private static final int MAX_ANSWER_BYTES = 64 * 1024;

  private final WebhookDispatcher dispatcher;

  private Webhooks(WebhookDispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  /** An embedded node's event queue, or null when webhooks are off. */
  public static MemoryWebhookQueue memoryQueue(WebhookConfig config, String nodeId) {
    return config.on() ? new MemoryWebhookQueue(config, nodeId) : null;
  }

  /** Delivers {@code shard}'s events (none: webhooks off), each post within {@code timeout} ({@code HOOK_TIMEOUT}). */
  public static Webhooks deliver(WebhookConfig config, WebhookShard shard, Duration timeout, Vertx vertx,
                                 GatewayMetrics metrics, Clock clock, String nodeId) {
    if (!config.on() || shard == null) {
      return NONE;
    }
    SignedPost post = new SignedPost(vertx, vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
            .setConnectTimeout((int) Math.max(1, timeout.toMillis())), new PoolOptions().setHttp1MaxSize(1)),
        new HookSigner(config.secret()), config.url(), timeout.toMillis(), MAX_ANSWER_BYTES, nodeId + "-webhook-");
    return new Webhooks(new WebhookDispatcher(shard, post, vertx.getOrCreateContext(), clock, metrics, config));
  }

  public void start() {
    if (dispatcher != null) {
      dispatcher.start();
    }
  }

  public void stop() {
    if (dispatcher != null) {
      dispatcher.stop();
    }
  }
}
