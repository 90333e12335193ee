package chat.gateway.hook;

import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
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
  private final String host;
  private final int port;
  private final boolean ssl;
  private final String path;
  private final Vertx vertx;
  private final HttpClient http;
  private final HookSigner signer;
  private final long timeoutMillis;
  private final AtomicInteger inFlight;
  private final int maxInFlight;
  private final Breaker breaker;
  private final GatewayMetrics metrics;
  private final int maxAnswerBytes;
  private final String requestIds;
  private final AtomicLong nextRequest = new AtomicLong();
  private final AtomicLong lastLogged = new AtomicLong();
  private final AtomicLong unlogged = new AtomicLong();

  HookEndpoint(String name, URI url, Vertx vertx, HttpClient http, HookSigner signer, long timeoutMillis,
               AtomicInteger inFlight, int maxInFlight, Breaker breaker, GatewayMetrics metrics, int maxAnswerBytes,
               String nodeId) {
    this.name = name;
    this.url = url;
    // read once: an absolute URI in each request's options would be parsed again per call
    this.ssl = url.getScheme().equalsIgnoreCase("https");
    this.host = url.getHost();
    this.port = url.getPort() > 0 ? url.getPort() : ssl ? 443 : 80;
    this.path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/"
        : url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    this.vertx = vertx;
    this.http = http;
    this.signer = signer;
    this.timeoutMillis = timeoutMillis;
    this.inFlight = inFlight;
    this.maxInFlight = maxInFlight;
    this.breaker = breaker;
    this.metrics = metrics;
    this.maxAnswerBytes = maxAnswerBytes;
    this.requestIds = nodeId + "-" + name + "-";
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
    Promise<JsonObject> answer = Promise.promise();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    long timer = vertx.setTimer(timeoutMillis, id -> {
      if (answer.tryFail(new HookFailure(HookFailure.Kind.TIMEOUT, "no answer within " + timeoutMillis + " ms"))
          && sent[0] != null) {
        sent[0].reset(); // the connection is not reused for an answer that may still come
      }
    });
    Buffer body = request.toBuffer();
    long now = System.currentTimeMillis();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port).setSsl(ssl)
        .setURI(path)
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Chat-Timestamp", Long.toString(now))
        .putHeader("X-Chat-Signature", signer.sign(now, body.getBytes()))
        .putHeader("X-Chat-Request-Id", requestIds + nextRequest.incrementAndGet());
    http.request(options).onComplete(ar -> {
      if (ar.failed()) {
        answer.tryFail(new HookFailure(HookFailure.Kind.CONNECTION, describe(ar.cause())));
        return;
      }
      HttpClientRequest req = ar.result();
      sent[0] = req;
      if (answer.future().isComplete()) {
        req.reset();
        return;
      }
      req.send(body).onComplete(response -> {
        if (response.failed()) {
          answer.tryFail(new HookFailure(HookFailure.Kind.CONNECTION, describe(response.cause())));
        } else {
          read(response.result(), req, answer);
        }
      });
    });
    return answer.future().transform(ar -> {
      vertx.cancelTimer(timer);
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
            : new HookFailure(HookFailure.Kind.CONNECTION, describe(ar.cause()));
      }
      breaker.failed();
      return failed(failure, started);
    });
  }

  /** Reads a 200's body, at most {@code maxAnswerBytes}, as one JSON object. */
  private void read(HttpClientResponse response, HttpClientRequest req, Promise<JsonObject> answer) {
    if (response.statusCode() != 200) {
      answer.tryFail(new HookFailure(HookFailure.Kind.STATUS, "answered HTTP " + response.statusCode()));
      req.reset();
      return;
    }
    Buffer received = Buffer.buffer();
    response.handler(chunk -> {
      if (answer.future().isComplete()) {
        return;
      }
      received.appendBuffer(chunk);
      if (received.length() > maxAnswerBytes) {
        answer.tryFail(new HookFailure(HookFailure.Kind.BAD_ANSWER, "answer larger than " + maxAnswerBytes + " bytes"));
        req.reset();
      }
    });
    response.exceptionHandler(e -> answer.tryFail(new HookFailure(HookFailure.Kind.CONNECTION, describe(e))));
    response.endHandler(v -> {
      try {
        answer.tryComplete(new JsonObject(received));
      } catch (DecodeException | ClassCastException e) {
        answer.tryFail(new HookFailure(HookFailure.Kind.BAD_ANSWER, "answer is not a JSON object"));
      }
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

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
