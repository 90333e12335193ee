package chat.gateway.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import java.util.function.Consumer;

/**
 * One shard serving every slot: a Redis at a URL, or the primary a set of sentinels names (the client asks
 * them at each connect, so a connection made after a failover reaches the new primary).
 */
final class SingleRedis implements ShardMap {
  private final Redis client;
  private final Topology topology = Topology.single();

  SingleRedis(Redis client) {
    this.client = client;
  }

  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
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
