package chat.gateway.redis;

import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.impl.PooledRedisConnection;

/** What vertx-redis-client's pooled connections need to be closed for good. */
final class RedisSockets {
  private RedisSockets() {
  }

  /**
   * Closes the socket under {@code c}: a pooled connection's {@code close} only hands it back to the pool (unless it
   * subscribed), where the next {@code connect} would borrow the same dead (silent) connection again.
   */
  static void closeForGood(RedisConnection c) {
    if (c instanceof PooledRedisConnection pooled) {
      pooled.actual().forceClose();
    } else {
      c.close();
    }
  }
}
