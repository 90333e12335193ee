package chat.gateway.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;

/**
 * How much memory Redis uses and may use, read with {@code INFO memory} every few seconds for the
 * {@code chat_store_memory_*} gauges and their alert. The limit is {@code maxmemory}, or the machine's
 * memory when Redis has none (it then grows until the machine runs out).
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
    return redis.send(Command.INFO, "memory").map(reply -> {
      long max = 0;
      long system = 0;
      for (String line : reply.toString().split("\r?\n")) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String value = line.substring(colon + 1).trim();
        switch (line.substring(0, colon)) {
          case "used_memory" -> used = Long.parseLong(value);
          case "maxmemory" -> max = Long.parseLong(value);
          case "total_system_memory" -> system = Long.parseLong(value);
          default -> { }
        }
      }
      limit = max > 0 ? max : system;
      return null;
    });
  }
}
