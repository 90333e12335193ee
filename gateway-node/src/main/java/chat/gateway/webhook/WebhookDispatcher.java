package chat.gateway.webhook;

import chat.gateway.config.WebhookConfig;
import chat.gateway.hook.HookFailure;
import chat.gateway.hook.SignedPost;
import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
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
 * and counted. Runs on one Vert.x context; on Redis only while this node holds the shard's lease, checked before each
 * post and again right before its request is written.
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
  /** A wake-up came during a turn. */
  private boolean again;
  private boolean stopped;
  private int failures;
  private long timer = -1;

  public WebhookDispatcher(WebhookShard shard, SignedPost post, Context context, Clock clock, GatewayMetrics metrics,
                           WebhookConfig config) {
    this.shard = shard;
    this.post = post;
    this.context = context;
    this.clock = clock;
    this.metrics = metrics;
    this.batch = config.batch();
    this.maxAgeMillis = config.maxAge().toMillis();
  }

  public void start() {
    shard.onRecord(this::wake);
    wake();
  }

  public void stop() {
    context.runOnContext(v -> {
      stopped = true;
      if (timer >= 0) {
        context.owner().cancelTimer(timer);
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
    if (posting) {
      again = true; // woken during a turn: look again when it ends
      return;
    }
    if (stopped || timer >= 0) {
      return;
    }
    again = false;
    step(shard.take(batch), ar -> {
      if (ar.succeeded() && ar.result() == null) {
        after(shard.standbyMillis()); // another node delivers: try for the lease again later
      } else if (ar.failed() || ar.result().isEmpty()) {
        idle(); // the store cannot answer, or nothing waits
      } else {
        deliver(ar.result());
      }
    });
  }

  /** {@code events} were taken (on Redis: by this node, holding the lease, in the same round trip): post them. */
  private void deliver(List<WebhookShard.Waiting> events) {
    long now = clock.millis();
    int expired = 0;
    while (expired < events.size() && now - events.get(expired).ts() > maxAgeMillis) {
      expired++;
    }
    if (expired > 0) {
      shard.delivered(events.subList(0, expired));
      metrics.webhookEvents("dropped", expired);
      LOG.log(Level.WARNING, "webhook: dropped " + expired + " events older than WEBHOOK_MAX_AGE");
      next();
      return;
    }
    if (!shard.holds()) {
      next(); // this node paused since it read them: read them again, if the lease is still its own
      return;
    }
    // asked again when the request is about to be written: a pause while the connection is got must not post either
    step(post.post(body(events), shard::holds), ar -> {
      if (ar.failed() && ar.cause() instanceof SignedPost.Withdrawn) {
        next(); // paused since the check above: as there
      } else if (ar.succeeded() && ar.result().status() / 100 == 2) {
        failures = 0;
        shard.delivered(events);
        delivered(events);
      } else {
        notTaken(events, ar);
      }
    });
  }

  /** {@code {"events":[...]}}, of the events as rendered when taken. */
  static Buffer body(List<WebhookShard.Waiting> events) {
    int size = 13 + events.size();
    for (WebhookShard.Waiting e : events) {
      size += e.event().length();
    }
    Buffer body = Buffer.buffer(size).appendString("{\"events\":[");
    for (int i = 0; i < events.size(); i++) {
      if (i > 0) {
        body.appendByte((byte) ',');
      }
      body.appendBuffer(events.get(i).event());
    }
    return body.appendString("]}");
  }

  private void delivered(List<WebhookShard.Waiting> events) {
    long at = clock.millis();
    long[] latency = new long[events.size()];
    for (int i = 0; i < latency.length; i++) {
      latency[i] = at - events.get(i).ts();
    }
    metrics.webhookDelivered(latency);
    if (events.size() < batch && shard.pollMillis() > 0) {
      after(shard.pollMillis()); // a short batch took all there was: let the next gather a while
    } else {
      next();
    }
  }

  /** The batch was not taken: the same events again after a while. */
  private void notTaken(List<WebhookShard.Waiting> events, AsyncResult<SignedPost.Answer> ar) {
    String why = ar.succeeded() ? "HTTP " + ar.result().status()
        : ar.cause() instanceof HookFailure f ? f.kind().label() + ", " + f.getMessage() : ar.cause().toString();
    metrics.webhookEvents("retried", events.size());
    long delay = retryDelay(++failures);
    if (failures == 1 || failures % 10 == 0) {
      LOG.log(Level.WARNING, "webhook: a batch of " + events.size() + " events was not taken (" + why + "), try "
          + failures + "; again in " + delay + " ms");
    }
    after(delay);
  }

  /**
   * One step of a turn on the shard or the receiver: nothing else starts until {@code then} has run, on this
   * context, with its answer (a wake-up meanwhile is kept for the turn's end).
   */
  private <T> void step(Future<T> future, Handler<AsyncResult<T>> then) {
    posting = true;
    future.onComplete(ar -> context.runOnContext(v -> {
      posting = false;
      then.handle(ar);
    }));
  }

  /** Nothing to do now: woken by the next event recorded (embedded), or a look again shortly (Redis). */
  private void idle() {
    if (again) {
      next();
    } else if (shard.pollMillis() > 0) {
      after(shard.pollMillis());
    }
  }

  private void after(long millis) {
    timer = context.owner().setTimer(millis, id -> {
      timer = -1;
      next();
    });
  }

  /** 0.5 s doubling to 60 s, each between half and all of it (jitter: receivers coming back are not hit at once). */
  static long retryDelay(int failures) {
    long full = Math.min(LAST_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(20, failures - 1));
    return full / 2 + ThreadLocalRandom.current().nextLong(full / 2 + 1);
  }
}
