package chat.gateway.redis;

import io.vertx.core.Promise;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * One command on its way to Redis: what it is, the slot it must run in (0 on one Redis), the order key that
 * keeps it behind what its sender gave before, and whom it answers. A call moves between pipelines when its
 * slot moves (a {@code MOVED} or {@code ASK} answer, a failover) and completes once, wherever it ran.
 */
final class RedisCall {
  final Request request;
  final String name;
  final Object orderKey;
  final int slot;
  final boolean script;
  /** An ack waits for its write to reach replicas ({@code WAIT}): a publish, a membership change. */
  final boolean durable;
  final Promise<Response> promise = Promise.promise();
  final long startedAt = System.nanoTime();
  /** When it was last written to a connection (nanoTime). */
  long writtenAt;
  /** Its place in the pipeline it was last given to (NOSCRIPT recovery compares them). */
  long number;
  int attempts;
  /** Runs on the node of an {@code ASK} answer: written right after {@code ASKING}. */
  boolean asking;
  /** Given to a pipeline and not back (answered, failed, or redirected) yet: the router counts it. */
  boolean routed;

  RedisCall(Request request, String name, Object orderKey, int slot, boolean script, boolean durable) {
    this.request = request;
    this.name = name;
    this.orderKey = orderKey;
    this.slot = slot;
    this.script = script;
    this.durable = durable;
  }

  boolean done() {
    return promise.future().isComplete();
  }

  void fail(String why) {
    promise.tryFail(new RedisCommandException(why));
  }

  /** A command that did not run, or whose outcome is unknown, for a reason of this side. */
  static final class RedisCommandException extends RuntimeException {
    RedisCommandException(String message) {
      super(message, null, false, false);
    }
  }
}
