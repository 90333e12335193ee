package chat.gateway.webhook;

import chat.gateway.config.WebhookConfig;
import chat.gateway.hook.HookFailure;
import chat.gateway.hook.SignedPost;
import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Delivers one shard's events to {@code WEBHOOK_URL}: the oldest {@code WEBHOOK_BATCH} at a time, one batch in
 * flight, as {@code {"events":[...]}} signed like a hook request. A 2xx delivers the batch; anything else (another
 * status, no answer within {@code HOOK_TIMEOUT}, no connection) is tried again with the same events and ids after
 * 0.5 s, doubling to 60 s, with jitter. Events older than {@code WEBHOOK_MAX_AGE} when their turn comes are dropped
 * and counted. Runs on one Vert.x context.
 */
public final class WebhookDispatcher {
  private static final System.Logger LOG = System.getLogger(WebhookDispatcher.class.getName());
  private static final long FIRST_RETRY_MILLIS = 500;
  private static final long LAST_RETRY_MILLIS = 60_000;

  private final WebhookShard shard;
  private final SignedPost post;
  private final Context context;
  private final Clock clock;
  private final GatewayMetrics metrics;
  private final int batch;
  private final long maxAgeMillis;
  private final AtomicBoolean woken = new AtomicBoolean();
  private boolean posting;
  private boolean stopped;
  private int failures;
  private long retryTimer = -1;

  public WebhookDispatcher(WebhookShard shard, SignedPost post, Context context, Clock clock, GatewayMetrics metrics,
                           WebhookConfig config) {
    this.shard = shard;
    this.post = post;
    this.context = context;
    this.clock = clock;
    this.metrics = metrics;
    this.batch = config.batch();
    this.maxAgeMillis = config.maxAge().toMillis();
    metrics.webhookWaiting(shard::waiting, shard::droppedForBacklog);
  }

  public void start() {
    shard.onRecord(this::wake);
    wake();
  }

  public void stop() {
    context.runOnContext(v -> {
      stopped = true;
      if (retryTimer >= 0) {
        context.owner().cancelTimer(retryTimer);
      }
    });
  }

  /** Something was recorded: deliver it unless a batch is in flight or waiting to be tried again. */
  private void wake() {
    if (woken.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        woken.set(false);
        next();
      });
    }
  }

  private void next() {
    if (stopped || posting || retryTimer >= 0) {
      return;
    }
    List<WebhookShard.Waiting> events = shard.oldest(batch);
    long now = clock.millis();
    int expired = 0;
    while (expired < events.size() && now - events.get(expired).event().ts() > maxAgeMillis) {
      expired++;
    }
    if (expired > 0) {
      shard.delivered(events.get(expired - 1).seq());
      metrics.webhookEvents("dropped", expired);
      LOG.log(Level.WARNING, "webhook: dropped " + expired + " events older than WEBHOOK_MAX_AGE");
      next();
      return;
    }
    if (events.isEmpty()) {
      return;
    }
    JsonArray list = new JsonArray();
    events.forEach(e -> list.add(e.event().toJson(e.id())));
    posting = true;
    post.post(new JsonObject().put("events", list).toBuffer()).onComplete(ar -> context.runOnContext(v -> {
      posting = false;
      if (ar.succeeded() && ar.result().status() / 100 == 2) {
        failures = 0;
        shard.delivered(events.get(events.size() - 1).seq());
        long at = clock.millis();
        events.forEach(e -> metrics.webhookDelivered(at - e.event().ts()));
        next();
        return;
      }
      String why = ar.succeeded() ? "HTTP " + ar.result().status()
          : ar.cause() instanceof HookFailure f ? f.kind().label() + ", " + f.getMessage() : ar.cause().toString();
      metrics.webhookEvents("retried", events.size());
      long delay = retryDelay(++failures);
      if (failures == 1 || failures % 10 == 0) {
        LOG.log(Level.WARNING, "webhook: a batch of " + events.size() + " events was not taken (" + why + "), try "
            + failures + "; again in " + delay + " ms");
      }
      retryTimer = context.owner().setTimer(delay, id -> {
        retryTimer = -1;
        next();
      });
    }));
  }

  /** 0.5 s doubling to 60 s, each between half and all of it (jitter: receivers coming back are not hit at once). */
  static long retryDelay(int failures) {
    long full = Math.min(LAST_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(20, failures - 1));
    return full / 2 + ThreadLocalRandom.current().nextLong(full / 2 + 1);
  }
}
