package chat.gateway.cluster.redis;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.Event;
import chat.gateway.cluster.LocalFanout;
import chat.gateway.cluster.NodeControl;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.redis.RedisCommands;
import chat.gateway.redis.RedisKeys;
import chat.gateway.redis.Reconnect;
import chat.gateway.redis.Slots;
import chat.gateway.redis.Topology;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@link Broker} on Redis pub/sub: on one Redis, {@code PUBLISH}/{@code SUBSCRIBE} on one subscriber
 * connection; on a Redis Cluster, sharded pub/sub ({@code SPUBLISH}/{@code SSUBSCRIBE}), one subscriber
 * connection per primary ({@link ShardSubscriber}), each topic subscribed on the primary that serves its slot
 * (a channel's topic lies in the slot of its stream, so the script that stores a message publishes it on the
 * same shard, in stream order). Topics: every channel some local session is in (subscribed while there is
 * one: groups, the users of the node's sessions, whose topics carry their direct messages and control
 * events), {@code broadcast}, this node's own topic (drain requests), and one canary topic per shard. Events
 * of one channel arrive in the order Redis published them.
 *
 * <p><b>Losing events, and getting them back.</b> When a shard's subscriber connection drops (Redis
 * restarted, a primary failed), the channels of its topics are held ({@link LocalFanout#hold}), the node is
 * unhealthy and {@code onLost} runs (the node keeps its sessions); the subscriber reconnects (to the promoted
 * replica once the topology shows it) and subscribes again, and then {@code onResubscribed} fills the gap
 * from history and releases what was held. When a topic's slot moves to another shard (a migration, or a
 * topology read that says so), its channel is held, the topic is subscribed where the slot is now, and
 * {@code repairGap} fills that channel's gap the same way; the node stays healthy meanwhile.
 *
 * <p>Healthy means every shard subscribed, repaired, and no canary overdue on any (see {@link #healthy}).
 * All state is confined to one event-loop context.
 */
public final class RedisBroker implements Broker, ShardSubscriber.Listener {
  private static final System.Logger LOG = System.getLogger(RedisBroker.class.getName());

  private final Vertx vertx;
  private final Context context;
  private final RedisCommands commands;
  private final RedisKeys keys;
  private final LocalFanout fanout;
  private final String nodeId;
  private final GatewayMetrics metrics;
  private final Canaries canaries;
  private final Runnable onLost;
  private final Supplier<Future<Void>> onResubscribed;
  private final Function<List<String>, Future<Void>> repairGap;
  private final NodeControl control;
  private final Command publish;
  /** Subscribers by shard address. */
  private final Map<String, ShardSubscriber> shards = new LinkedHashMap<>();
  /** Every topic this node wants, and the channel it carries (null for the node's own and canary topics). */
  private final Map<String, String> wanted = new LinkedHashMap<>();
  /** Where each wanted topic is subscribed (or waits to be). */
  private final Map<String, String> placed = new HashMap<>();
  /** Topics moved to another shard, not confirmed there yet, with their (held) channels. */
  private final Map<String, String> relocating = new HashMap<>();
  /** Set when a shard's link was lost; cleared once {@code onResubscribed} has filled the gap. */
  private volatile boolean repairing;
  private boolean repairRunning;
  private boolean closed;
  private int attempt;
  private Topology topology;
  private final Promise<Void> started = Promise.promise();

  public RedisBroker(Vertx vertx, RedisCommands commands, LocalFanout fanout, String nodeId, GatewayMetrics metrics,
                     Duration canaryInterval, Runnable onLost, Supplier<Future<Void>> onResubscribed,
                     Function<List<String>, Future<Void>> repairGap, NodeControl control) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.commands = commands;
    this.keys = commands.keys();
    this.fanout = fanout;
    this.nodeId = nodeId;
    this.metrics = metrics;
    this.onLost = onLost;
    this.onResubscribed = onResubscribed;
    this.repairGap = repairGap;
    this.control = control;
    this.publish = keys.cluster() ? Command.SPUBLISH : Command.PUBLISH;
    this.canaries = new Canaries(vertx, commands, nodeId, metrics, publish, canaryInterval);
    fanout.bind(this);
    metrics.gauge("chat_pubsub_up", "1 while every shard's subscriber is subscribed and its canary comes back",
        () -> healthy() ? 1 : 0);
  }

  /**
   * Connects to every shard, subscribes, and completes once every shard's canary came back, so that a node
   * listens only when it is ready. Fails when Redis cannot be reached at start.
   */
  public Future<Void> start() {
    context.runOnContext(v -> {
      commands.onTopologyChange(t -> context.runOnContext(x -> topologyChanged(t)));
      topology = commands.topology();
      wanted.put(keys.nodeTopic(nodeId), null);
      wanted.put(keys.topic("broadcast"), "broadcast");
      for (String channel : fanout.channels()) {
        wanted.put(keys.topic(channel), channel);
      }
      for (String primary : topology.primaries()) {
        shard(primary);
      }
      wanted.keySet().forEach(this::place);
      shards.values().forEach(ShardSubscriber::start);
      canaries.start(shards::values);
    });
    return started.future().timeout(canaries.startTimeoutMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * Every shard subscribed, a canary back from each since it connected, none overdue (sent more than three
   * intervals, at least 2 s, ago), and no gap left to fill.
   */
  @Override
  public boolean healthy() {
    if (repairing || shards.isEmpty()) {
      return false;
    }
    for (ShardSubscriber shard : List.copyOf(shards.values())) {
      if (!shard.healthy(canaries.timeoutMillis())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean available() {
    if (!keys.cluster()) {
      return healthy();
    }
    for (ShardSubscriber shard : List.copyOf(shards.values())) {
      if (shard.healthy(canaries.timeoutMillis())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Future<Void> publish(Event.Signal signal) {
    return commands.send(publish, keys.topic(signal.channel()), EventCodec.encode(signal)).mapEmpty();
  }

  @Override
  public Future<Void> requestDrain(String node) {
    return commands.send(publish, keys.nodeTopic(node), EventCodec.drain(node)).mapEmpty();
  }

  @Override
  public Future<Void> requestShed(String node, int connections) {
    return commands.send(publish, keys.nodeTopic(node), EventCodec.shed(node, connections)).mapEmpty();
  }

  @Override
  public Future<Void> subscribe(List<String> channels) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      List<Future<Void>> placedAll = new ArrayList<>(channels.size());
      for (String channel : channels) {
        String topic = keys.topic(channel);
        wanted.put(topic, channel);
        placedAll.add(place(topic));
      }
      Future.all(placedAll).<Void>mapEmpty().onComplete(done);
    });
    return done.future();
  }

  /**
   * Unsubscribes {@code channels} that no local listener wants any more when this runs: the fanout's changes
   * come from every event loop, so a channel emptied on one loop and wanted again on another can have its
   * subscribe arrive here first; unsubscribing it then would leave its new listener deaf.
   */
  @Override
  public Future<Void> unsubscribe(List<String> channels) {
    context.runOnContext(v -> {
      for (String channel : channels) {
        if (fanout.watching(channel)) {
          continue;
        }
        String topic = keys.topic(channel);
        wanted.remove(topic);
        String at = placed.remove(topic);
        ShardSubscriber shard = at == null ? null : shards.get(at);
        if (shard != null) {
          shard.remove(topic);
        }
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      closed = true;
      canaries.stop();
      shards.values().forEach(ShardSubscriber::close);
      shards.clear();
      done.complete();
    });
    return done.future();
  }

  // ---- placing topics on shards (on context) ---------------------------------------------------------

  private ShardSubscriber shard(String address) {
    return shards.computeIfAbsent(address, a -> {
      ShardSubscriber s = new ShardSubscriber(vertx, context, commands.client(a), a, keys.cluster(), Slots::of, this);
      canaries.assign(s, topology);
      return s;
    });
  }

  /** Subscribes {@code topic} on the shard that serves its slot; completes when confirmed. */
  private Future<Void> place(String topic) {
    String owner = topology.owner(keys.cluster() ? Slots.of(topic) : 0);
    if (owner == null) {
      commands.topologyStale();
      return Future.failedFuture("no shard serves " + topic + " now");
    }
    placed.put(topic, owner);
    return shard(owner).add(topic);
  }

  /**
   * A new topology: subscribers of new primaries start; topics whose slot moved go to their new shard, their
   * channels held until the gap is filled; subscribers of primaries that are gone close.
   */
  private void topologyChanged(Topology next) {
    if (closed) {
      return;
    }
    topology = next;
    List<String> moved = new ArrayList<>();
    for (Map.Entry<String, String> entry : wanted.entrySet()) {
      String topic = entry.getKey();
      String owner = next.owner(keys.cluster() ? Slots.of(topic) : 0);
      String at = placed.get(topic);
      if (owner != null && !owner.equals(at)) {
        if (at != null && shards.containsKey(at)) {
          shards.get(at).remove(topic);
        }
        moved.add(topic);
      }
    }
    for (String primary : next.primaries()) {
      if (!shards.containsKey(primary)) {
        shard(primary).start();
      }
    }
    shards.values().removeIf(s -> {
      if (next.shards().containsKey(s.address())) {
        canaries.assign(s, next);
        return false;
      }
      s.close();
      return true;
    });
    relocate(moved);
  }

  /** Subscribes {@code topics} where their slots are now, their channels held and repaired once there. */
  private void relocate(List<String> topics) {
    if (topics.isEmpty()) {
      return;
    }
    List<String> channels = new ArrayList<>();
    for (String topic : topics) {
      String channel = wanted.get(topic);
      if (channel != null) {
        channels.add(channel);
        relocating.put(topic, channel);
      }
    }
    fanout.hold(channels);
    LOG.log(Level.INFO, topics.size() + " pub/sub topics moved to another shard; their gaps are filled from history");
    for (String topic : topics) {
      place(topic).onSuccess(v -> context.runOnContext(x -> relocated(topic)));
    }
  }

  /** A moved topic is confirmed on its new shard: its channel's gap is filled (unless a full repair will). */
  private void relocated(String topic) {
    String channel = relocating.remove(topic);
    if (channel == null || repairing || !topic.equals(keys.topic(channel)) || !wanted.containsKey(topic)) {
      return;
    }
    repairGap.apply(List.of(channel)).onFailure(e -> {
      LOG.log(Level.WARNING, "could not fill the gap of " + channel + " yet: " + e.getMessage());
      vertx.setTimer(1_000, id -> context.runOnContext(v -> {
        if (wanted.containsKey(topic)) {
          relocating.put(topic, channel);
          relocated(topic);
        }
      }));
    });
  }

  // ---- what the shards say (on context) ------------------------------------------------------------

  @Override
  public void received(ShardSubscriber shard, String topic, String payload) {
    if (payload.startsWith("K|")) {
      canaries.received(payload);
      if (!started.future().isComplete() && shards.values().stream().allMatch(ShardSubscriber::canaryBack)) {
        started.tryComplete();
      }
      return;
    }
    if (payload.startsWith("D|")) {
      metrics.pubsubReceived("control");
      LOG.log(Level.INFO, "drain requested through the cluster");
      control.drain();
      return;
    }
    if (payload.startsWith("S|")) {
      metrics.pubsubReceived("control");
      int connections = EventCodec.shedCount(payload);
      LOG.log(Level.INFO, "rebalance: asked through the cluster to shed " + connections + " connections");
      control.shed(connections);
      return;
    }
    try {
      Event event = EventCodec.decode(payload);
      if (event != null) {
        metrics.pubsubReceived(event instanceof Event.Message ? "message"
            : event instanceof Event.Member ? "member" : event instanceof Event.Typing ? "typing" : event instanceof Event.Read ? "read" : "control");
        fanout.dispatch(event);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "undecodable pub/sub payload on " + topic, e);
    }
  }

  @Override
  public void subscribed(ShardSubscriber shard) {
    canaries.send(shard);
    if (repairing && shards.values().stream().allMatch(ShardSubscriber::subscribed)) {
      repair();
      return;
    }
    for (String topic : List.copyOf(relocating.keySet())) {
      if (shard.topics().contains(topic)) {
        relocated(topic);
      }
    }
  }

  @Override
  public void lost(ShardSubscriber shard) {
    commands.topologyStale();
    if (closed || !shards.containsKey(shard.address())) {
      return;
    }
    List<String> channels = new ArrayList<>();
    shard.topics().forEach(topic -> {
      String channel = wanted.get(topic);
      if (channel != null) {
        channels.add(channel);
      }
    });
    boolean first = !repairing;
    repairing = true;
    fanout.hold(channels);
    if (first) {
      metrics.pubsubReconnect();
      onLost.run();
    }
  }

  @Override
  public void evicted(ShardSubscriber shard, String topic) {
    commands.topologyStale();
    if (!wanted.containsKey(topic)) {
      return;
    }
    placed.remove(topic);
    String owner = topology.owner(keys.cluster() ? Slots.of(topic) : 0);
    if (owner != null && !owner.equals(shard.address())) {
      relocate(List.of(topic));
      return;
    }
    // the topology read so far still names this shard: hold the channel; the next read relocates it
    String channel = wanted.get(topic);
    if (channel != null) {
      fanout.hold(List.of(channel));
    }
  }

  /** Fills the gap while every shard stays subscribed; retries with backoff when history cannot be read. */
  private void repair() {
    if (repairRunning) {
      return;
    }
    repairRunning = true;
    onResubscribed.get().onComplete(ar -> context.runOnContext(v -> {
      repairRunning = false;
      if (!shards.values().stream().allMatch(ShardSubscriber::subscribed)) {
        return; // lost again meanwhile: the next subscription repairs
      }
      if (ar.succeeded()) {
        repairing = false;
        attempt = 0;
        LOG.log(Level.INFO, "pub/sub is back and the gap is filled");
        return;
      }
      LOG.log(Level.WARNING, "could not fill the gap yet: " + ar.cause().getMessage());
      vertx.setTimer(Reconnect.delay(100, attempt++), id -> {
        if (repairing && shards.values().stream().allMatch(ShardSubscriber::subscribed)) {
          repair();
        }
      });
    }));
  }
}
