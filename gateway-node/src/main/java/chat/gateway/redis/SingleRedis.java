package chat.gateway.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One shard serving every slot: a Redis at a URL, or the primary a set of Sentinels names ({@link SentinelPrimary}:
 * a connection made after a failover reaches the new primary).
 */
final class SingleRedis implements ShardMap {
  private final Redis client;
  private final Supplier<Future<Void>> start;
  private final Topology topology = Topology.single();

  /** {@code start}: what the client needs before it connects (Sentinel's primary found). */
  SingleRedis(Redis client, Supplier<Future<Void>> start) {
    this.client = client;
    this.start = start;
  }

  @Override
  public Future<Void> start() {
    return start.get();
  }

  @Override
  public Topology topology() {
    return topology;
  }

  @Override
  public Redis client(String address) {
    return client;
  }

  @Override
  public void stale() {
  }

  @Override
  public void onChange(Consumer<Topology> listener) {
  }

  @Override
  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }
}
