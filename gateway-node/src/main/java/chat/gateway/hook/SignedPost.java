package chat.gateway.hook;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A signed {@code POST} of a JSON body to one URL of the application's, as hooks and webhooks make it: the
 * {@code X-Chat-Timestamp}, {@code X-Chat-Signature} and {@code X-Chat-Request-Id} headers, the whole exchange
 * within a timeout, and an answer body read up to a size. Completes with the answer's status and body, or fails
 * with a {@link HookFailure} ({@code timeout}, {@code connection}, or {@code bad_answer} for an answer too large).
 */
public final class SignedPost {
  /** An answer: its HTTP status and body. */
  public record Answer(int status, Buffer body) {
  }

  private final Vertx vertx;
  private final HttpClient http;
  private final HookSigner signer;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final String path;
  private final long timeoutMillis;
  private final int maxAnswerBytes;
  private final String requestIds;
  private final AtomicLong nextRequest = new AtomicLong();

  public SignedPost(Vertx vertx, HttpClient http, HookSigner signer, URI url, long timeoutMillis, int maxAnswerBytes,
                    String requestIds) {
    this.vertx = vertx;
    this.http = http;
    this.signer = signer;
    // read once: an absolute URI in each request's options would be parsed again per call
    this.ssl = url.getScheme().equalsIgnoreCase("https");
    this.host = url.getHost();
    this.port = url.getPort() > 0 ? url.getPort() : ssl ? 443 : 80;
    this.path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/"
        : url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    this.timeoutMillis = timeoutMillis;
    this.maxAnswerBytes = maxAnswerBytes;
    this.requestIds = requestIds;
  }

  /** Posts {@code body} (JSON), signed now. */
  public Future<Answer> post(Buffer body) {
    return post(body, () -> true);
  }

  /**
   * Posts {@code body} (JSON), signed now, if {@code stillWanted} says so when the connection is there and the request
   * is about to be written: otherwise nothing is written and the post fails with {@link Withdrawn}. Getting a
   * connection takes turns of the event loop, and a process paused meanwhile (SIGSTOP, a long GC) must be able to
   * take back a post it no longer may make.
   */
  public Future<Answer> post(Buffer body, BooleanSupplier stillWanted) {
    Promise<Answer> answer = Promise.promise();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    long timer = vertx.setTimer(timeoutMillis, id -> {
      if (answer.tryFail(new HookFailure(HookFailure.Kind.TIMEOUT, "no answer within " + timeoutMillis + " ms"))
          && sent[0] != null) {
        sent[0].reset(); // the connection is not reused for an answer that may still come
      }
    });
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
      if (!stillWanted.getAsBoolean()) {
        req.exceptionHandler(e -> { }); // the reset's own report: the post fails as Withdrawn
        req.reset();
        answer.tryFail(new Withdrawn());
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
    return answer.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  /** A post taken back before anything was written, as its {@code stillWanted} asked. */
  public static final class Withdrawn extends RuntimeException {
    Withdrawn() {
      super("withdrawn before it was written", null, false, false);
    }
  }

  /** Reads the answer's body, at most {@code maxAnswerBytes}. */
  private void read(HttpClientResponse response, HttpClientRequest req, Promise<Answer> answer) {
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
    response.endHandler(v -> answer.tryComplete(new Answer(response.statusCode(), received)));
  }

  static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
