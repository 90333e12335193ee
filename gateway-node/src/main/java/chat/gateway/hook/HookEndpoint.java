package chat.gateway.hook;

import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One hook of the backend's: a signed {@code POST} of a JSON object, answered by a 200 with a JSON object within
 * the timeout, or a {@link HookFailure}. The call is bounded (the node's calls in flight, the answer's size) and
 * guarded by the hook's {@link Breaker}; each call is counted and timed, and failures are logged, at most one line
 * per hook and 10 s with a count of the rest.
 */
final class HookEndpoint {
  private static final System.Logger LOG = System.getLogger(HookEndpoint.class.getName());
  private static final long LOG_EVERY_MILLIS = 10_000;

  private final String name;
  private final URI url;
  private final SignedPost post;
  private final AtomicInteger inFlight;
  private final int maxInFlight;
  private final Breaker breaker;
  private final GatewayMetrics metrics;
  private final AtomicLong lastLogged = new AtomicLong();
  private final AtomicLong unlogged = new AtomicLong();

  HookEndpoint(String name, URI url, SignedPost post, AtomicInteger inFlight, int maxInFlight, Breaker breaker,
               GatewayMetrics metrics) {
    this.name = name;
    this.url = url;
    this.post = post;
    this.inFlight = inFlight;
    this.maxInFlight = maxInFlight;
    this.breaker = breaker;
    this.metrics = metrics;
    metrics.hookBreaker(name, breaker::open);
  }

  String name() {
    return name;
  }

  /**
   * Posts {@code request}; completes with the answer's JSON object as {@code read} reads it, or fails with a
   * {@link HookFailure} ({@code read} throwing {@link IllegalArgumentException} is a {@code bad_answer}).
   */
  <T> Future<T> call(JsonObject request, Function<JsonObject, T> read) {
    long started = System.nanoTime();
    if (!breaker.allow()) {
      return failed(new HookFailure(HookFailure.Kind.OPEN, "the " + name + " hook failed repeatedly; not called for a"
          + " moment"), started);
    }
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      breaker.released();
      return failed(new HookFailure(HookFailure.Kind.OVERLOADED, "too many hook calls in flight on this node ("
          + maxInFlight + ")"), started);
    }
    Future<JsonObject> answer = post.post(request.toBuffer()).compose(reply -> {
      if (reply.status() != 200) {
        return Future.failedFuture(new HookFailure(HookFailure.Kind.STATUS, "answered HTTP " + reply.status()));
      }
      try {
        return Future.succeededFuture(new JsonObject(reply.body()));
      } catch (DecodeException | ClassCastException e) {
        return Future.failedFuture(new HookFailure(HookFailure.Kind.BAD_ANSWER, "answer is not a JSON object"));
      }
    });
    return answer.transform(ar -> {
      inFlight.decrementAndGet();
      HookFailure failure;
      if (ar.succeeded()) {
        try {
          T answered = read.apply(ar.result());
          breaker.succeeded();
          metrics.hookCall(name, null, System.nanoTime() - started);
          return Future.succeededFuture(answered);
        } catch (IllegalArgumentException e) {
          failure = new HookFailure(HookFailure.Kind.BAD_ANSWER, e.getMessage());
        }
      } else {
        failure = ar.cause() instanceof HookFailure f ? f
            : new HookFailure(HookFailure.Kind.CONNECTION, SignedPost.describe(ar.cause()));
      }
      breaker.failed();
      return failed(failure, started);
    });
  }

  private <T> Future<T> failed(HookFailure failure, long started) {
    metrics.hookCall(name, failure.kind().label(), System.nanoTime() - started);
    log(failure);
    return Future.failedFuture(failure);
  }

  private void log(HookFailure failure) {
    long now = System.currentTimeMillis();
    long last = lastLogged.get();
    if (now - last < LOG_EVERY_MILLIS || !lastLogged.compareAndSet(last, now)) {
      unlogged.incrementAndGet();
      return;
    }
    long more = unlogged.getAndSet(0);
    LOG.log(Level.WARNING, "hook " + name + " (" + url + ") failed: " + failure.kind().label() + ", "
        + failure.getMessage() + (more > 0 ? " (and " + more + " more failures in the last "
        + (LOG_EVERY_MILLIS / 1000) + " s)" : ""));
  }
}
