package chat.gateway.redis;

import io.vertx.core.Vertx;

/**
 * {@code REDIS_TIMEOUT} for commands: a call given to Redis more than {@code millis} ago fails (its reply, if it
 * comes later, is dropped). Whoever holds calls looks for overdue ones every tenth of the timeout (10 to
 * 100 ms) with {@link #every}, and fails them with {@link #failOverdue}.
 */
final class CallTimeout {
  private final long millis;
  private final long nanos;

  CallTimeout(long millis) {
    this.millis = millis;
    this.nanos = millis * 1_000_000;
  }

  /** Runs {@code check} every tenth of the timeout; returns the timer's id. */
  long every(Vertx vertx, Runnable check) {
    return vertx.setPeriodic(Math.max(10, Math.min(100, millis / 10)), id -> check.run());
  }

  /** The start time at or before which a call is overdue now. */
  long limit() {
    return System.nanoTime() - nanos;
  }

  static boolean overdue(RedisCall call, long limit) {
    return call.startedAt - limit <= 0;
  }

  /** Fails each of {@code calls} that is overdue at {@code limit}; {@code where} (may be empty) says what held it. */
  void failOverdue(Iterable<RedisCall> calls, long limit, String where) {
    for (RedisCall call : calls) {
      if (overdue(call, limit)) {
        call.fail(why(where));
      }
    }
  }

  String why(String where) {
    return "Redis did not answer within " + millis + " ms" + where;
  }
}
