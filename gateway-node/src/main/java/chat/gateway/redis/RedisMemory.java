package chat.gateway.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;

/**
 * How much memory Redis uses and may use, read with {@code INFO memory} every few seconds for the
 * {@code chat_store_memory_*} gauges and their alert. The limit is {@code maxmemory}, or the machine's
 * memory when Redis has none (it then grows until the machine runs out). On a Redis Cluster, the figures of
 * the primary nearest its limit: the one that fills first.
 */
public final class RedisMemory {
  private static final long PERIOD_MILLIS = 5_000;
  private final Vertx vertx;
  private final RedisCommands redis;
  private volatile long used;
  private volatile long limit;
  private long timer = -1;

  public RedisMemory(Vertx vertx, RedisCommands redis) {
    this.vertx = vertx;
    this.redis = redis;
  }

  public long used() {
    return used;
  }

  public long limit() {
    return limit;
  }

  /** Reads now, then every few seconds until {@link #stop}; a failed read keeps the last values. */
  public Future<Void> start() {
    timer = vertx.setPeriodic(PERIOD_MILLIS, id -> read());
    return read().otherwiseEmpty();
  }

  public void stop() {
    vertx.cancelTimer(timer);
  }

  private Future<Void> read() {
    return redis.sendToEach(Command.INFO, "memory").map(replies -> {
      double fullest = -1;
      for (var reply : replies.values()) {
        long[] figures = figures(reply.toString());
        double ratio = figures[1] > 0 ? (double) figures[0] / figures[1] : 0;
        if (ratio > fullest) {
          fullest = ratio;
          used = figures[0];
          limit = figures[1];
        }
      }
      return null;
    });
  }

  /** {used, limit} of one INFO memory reply. */
  private static long[] figures(String info) {
    long usedNow = 0;
    long max = 0;
    long system = 0;
    for (String line : info.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String value = line.substring(colon + 1).trim();
      switch (line.substring(0, colon)) {
        case "used_memory" -> usedNow = Long.parseLong(value);
        case "maxmemory" -> max = Long.parseLong(value);
        case "total_system_memory" -> system = Long.parseLong(value);
        default -> { }
      }
    }
    return new long[] {usedNow, max > 0 ? max : system};
  }
}
