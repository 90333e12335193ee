package chat.gateway.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import java.util.function.Consumer;

/**
 * Where Redis commands go: which primary serves which slot ({@link Topology}) and a client for each primary.
 * One Redis, or a primary followed through Sentinel, is a single shard serving every slot ({@link SingleRedis});
 * a Redis Cluster's shards are read from the cluster and read again when they change ({@link ClusterShards}).
 */
interface ShardMap {

  /** Reads the topology (a cluster's) for the first time; fails when no Redis answers. */
  Future<Void> start();

  /** The latest topology read. */
  Topology topology();

  /** A client connecting to the primary at {@code address} (an address of {@link #topology}). */
  Redis client(String address);

  /**
   * Something suggests the topology changed (a {@code MOVED} answer, a lost connection): read it again soon,
   * and keep reading it often for a while (a failover takes seconds to show).
   */
  void stale();

  /** {@code listener} hears of every new topology, on no particular thread. */
  void onChange(Consumer<Topology> listener);

  Future<Void> close();
}
