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
 * A node's webhooks: where its stores record events ({@link #sink}) and who delivers them. Embedded, the events
 * wait in this process's memory ({@link MemoryWebhookQueue}) and one {@link WebhookDispatcher} delivers them.
 */
public final class Webhooks {
  private static final Webhooks NONE = new Webhooks(EventSink.NONE, null);
  /** Answers are not read: a receiver's body is only drained, up to this much. */
  private static final int MAX_ANSWER_BYTES = 64 * 1024;

  private final EventSink sink;
  private final WebhookDispatcher dispatcher;

  private Webhooks(EventSink sink, WebhookDispatcher dispatcher) {
    this.sink = sink;
    this.dispatcher = dispatcher;
  }

  public static Webhooks none() {
    return NONE;
  }

  /** An embedded node's webhooks: events in memory, posted within {@code timeout} each ({@code HOOK_TIMEOUT}). */
  public static Webhooks embedded(WebhookConfig config, Duration timeout, Vertx vertx, GatewayMetrics metrics,
                                  Clock clock, String nodeId) {
    if (!config.on()) {
      return NONE;
    }
    MemoryWebhookQueue queue = new MemoryWebhookQueue(config, nodeId);
    SignedPost post = new SignedPost(vertx, vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
            .setConnectTimeout((int) Math.max(1, timeout.toMillis())), new PoolOptions().setHttp1MaxSize(1)),
        new HookSigner(config.secret()), config.url(), timeout.toMillis(), MAX_ANSWER_BYTES, nodeId + "-webhook-");
    return new Webhooks(queue, new WebhookDispatcher(queue, post, vertx.getOrCreateContext(), clock, metrics, config));
  }

  public EventSink sink() {
    return sink;
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
