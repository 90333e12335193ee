package chat.gateway.cluster.redis;

import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.redis.RedisCommands;
import chat.gateway.redis.RedisKeys;
import chat.gateway.redis.Topology;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import java.time.Duration;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * The pub/sub canaries: every {@code CANARY_INTERVAL} this node publishes a canary on a topic of its own in
 * each shard and hears it back on that shard's subscriber ({@link ShardSubscriber#healthy}), so a subscriber
 * that stopped receiving (while its connection looks up) is found. One overdue for more than three intervals
 * (at least 2 s) makes the node unready; for twice that, its connection is dropped as lost and made again
 * ({@link ShardSubscriber#dropIfDeaf}).
 */
final class Canaries {
  private final Vertx vertx;
  private final RedisCommands commands;
  private final RedisKeys keys;
  private final String nodeId;
  private final GatewayMetrics metrics;
  private final Command publish;
  private final long intervalMillis;
  private long timer = -1;

  Canaries(Vertx vertx, RedisCommands commands, String nodeId, GatewayMetrics metrics, Command publish,
           Duration interval) {
    this.vertx = vertx;
    this.commands = commands;
    this.keys = commands.keys();
    this.nodeId = nodeId;
    this.metrics = metrics;
    this.publish = publish;
    this.intervalMillis = interval.toMillis();
  }

  /** How long a canary may stay out before its shard counts as deaf. */
  long timeoutMillis() {
    return Math.max(2_000, 3 * intervalMillis);
  }

  /** How long a start waits for the first canary of every shard. */
  long startTimeoutMillis() {
    return Math.max(10_000, 10 * intervalMillis);
  }

  /** Names the canary topic of {@code shard}: one in a slot the shard serves under {@code topology}. */
  void assign(ShardSubscriber shard, Topology topology) {
    String tag = topology.tagServedBy(shard.address(), nodeId);
    if (tag != null) {
      shard.canaryTopic(keys.canaryTopic(nodeId, tag));
    }
  }

  /** Sends a canary on every shard of {@code shards} now and then every interval. */
  void start(Supplier<Collection<ShardSubscriber>> shards) {
    timer = vertx.setPeriodic(intervalMillis, id -> shards.get().forEach(this::send));
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  /** Sends a canary on {@code shard}, unless one is out already or the shard is deaf (then it connects again). */
  void send(ShardSubscriber shard) {
    if (shard.dropIfDeaf(2 * timeoutMillis())) {
      metrics.pubsubDeaf();
      return;
    }
    if (shard.canarySent()) {
      commands.send(publish, shard.canaryTopic(), EventCodec.canary(nodeId, System.nanoTime()));
    }
  }

  /** A canary came back ({@code K|node|sentAt}): its round trip is measured. */
  void received(String payload) {
    metrics.pubsubReceived("canary");
    long sentAt = Long.parseLong(payload.substring(payload.lastIndexOf('|') + 1));
    metrics.canaryRoundTrip(System.nanoTime() - sentAt);
  }
}
