package chat.gateway.redis;

import chat.gateway.config.RedisConfig;
import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How the gateway talks to Redis: every command through a {@link RedisPipeline} to the primary that serves
 * its key's slot ({@link SlotRouter}), bounded by a timeout (a paused Redis must not hold a request forever)
 * and timed into {@code chat_redis_command_seconds}. One Redis, a primary under Sentinel, or a Redis Cluster:
 * the callers do not see which.
 *
 * <p><b>Ordering.</b> Each event loop has its own pipelines to each primary ({@code perLoop} of them, created
 * on first use), and a command goes to the one its {@code orderKey} picks. Commands given from one event loop
 * with the same order key (and the same slot) therefore reach Redis in the order they were given, across a
 * move of their slot too: one session's sends (a session lives on one loop, and orders its sends by its own
 * key) are stored in the order it sent them, while other sessions' commands are pipelined beside them
 * without waiting. Callers off the node's event loops (workers, tests) share one more router.
 */
public final class RedisCommands {
  private static final int MAX_QUEUED_PER_PIPELINE = 16_384;

  private final Vertx vertx;
  private final ShardMap shards;
  private final RedisKeys keys;
  private final GatewayMetrics metrics;
  private final long timeoutMillis;
  private final int perLoop;
  private final int waitReplicas;
  private final long waitTimeoutMillis;
  private final Map<Thread, SlotRouter> routers = new ConcurrentHashMap<>();
  private final Context homeContext;
  private volatile SlotRouter home;

  private RedisCommands(Vertx vertx, ShardMap shards, RedisKeys keys, GatewayMetrics metrics, long timeoutMillis,
                        int perLoop, int waitReplicas, long waitTimeoutMillis) {
    this.vertx = vertx;
    this.shards = shards;
    this.keys = keys;
    this.metrics = metrics;
    this.timeoutMillis = timeoutMillis;
    this.perLoop = perLoop;
    this.waitReplicas = waitReplicas;
    this.waitTimeoutMillis = waitTimeoutMillis;
    this.homeContext = vertx.getOrCreateContext();
    shards.onChange(topology -> {
      routers.values().forEach(r -> r.topologyChanged(topology));
      SlotRouter h = home;
      if (h != null) {
        h.topologyChanged(topology);
      }
    });
  }

  /** Commands for the Redis (or Redis Cluster, or Sentinel's primary) of {@code config}. */
  public static RedisCommands of(Vertx vertx, RedisConfig config, String nodeId, int eventLoops,
                                 GatewayMetrics metrics) {
    // Connections are held, never borrowed per command: per primary one per pipeline, one for the shared
    // pipeline, one for pub/sub, and room for a reconnect to overlap the connection it replaces.
    int connections = eventLoops * config.connectionsPerLoop() + 4;
    String poolName = "chat-" + nodeId;
    ShardMap shards;
    RedisKeys keys;
    int connectTimeout = (int) config.timeout().toMillis();
    if (config.topology() == RedisConfig.Topology.CLUSTER) {
      shards = new ClusterShards(vertx, config.endpoints(), poolName, () -> pooled(connections, connectTimeout));
      keys = RedisKeys.cluster(config.keyPrefix());
    } else {
      if (config.topology() == RedisConfig.Topology.SENTINEL) {
        SentinelPrimary primary = new SentinelPrimary(vertx, config.endpoints(), config.masterName(), poolName,
            () -> pooled(connections, connectTimeout), Math.min(2_000, config.timeout().toMillis()));
        shards = new SingleRedis(primary, primary::start);
      } else {
        shards = new SingleRedis(Redis.createClient(vertx, pooled(connections, connectTimeout).setPoolName(poolName)
            .setConnectionString(config.endpoints().get(0))), Future::succeededFuture);
      }
      keys = RedisKeys.standalone(config.keyPrefix());
    }
    return new RedisCommands(vertx, shards, keys, metrics, config.timeout().toMillis(), config.connectionsPerLoop(),
        config.waitReplicas(), config.waitTimeout().toMillis());
  }

  /**
   * Options for a pool of {@code connections} held connections. A connect gives up after {@code connectTimeout} ms
   * (REDIS_TIMEOUT), not Netty's 60 s: a host gone from the network drops the SYN, and under Sentinel every
   * reconnect asks the Sentinels in turn, a dead one first until another has answered.
   */
  private static RedisOptions pooled(int connections, int connectTimeout) {
    RedisOptions options = new RedisOptions().setMaxPoolSize(connections).setMaxPoolWaiting(connections)
        .setMaxWaitingHandlers(8192);
    options.getNetClientOptions().setConnectTimeout(connectTimeout);
    return options;
  }

  public RedisKeys keys() {
    return keys;
  }

  /** Which primary serves which slot now. */
  public Topology topology() {
    return shards.topology();
  }

  /** A client of the primary at {@code address} (of {@link #topology}), for dedicated connections (pub/sub). */
  public Redis client(String address) {
    return shards.client(address);
  }

  /** {@code listener} hears of each new topology (a failover, a slot migrated), on no particular thread. */
  public void onTopologyChange(java.util.function.Consumer<Topology> listener) {
    shards.onChange(listener);
  }

  /** Something suggests the topology changed (a subscriber lost, a slot no longer served): read it again. */
  public void topologyStale() {
    shards.stale();
  }

  /** Reads the topology, connects to every primary and loads the scripts: fails when Redis cannot be used. */
  public Future<Void> start() {
    return shards.start().compose(v -> {
      Promise<Void> started = Promise.promise();
      homeContext.runOnContext(x -> {
        home = newRouter(homeContext);
        home.connectAll().onComplete(started);
      });
      return started.future();
    });
  }

  /**
   * Runs a command, in the slot of (and ordered by) its first argument, its key. Writes acknowledged to users
   * go through scripts ({@link RedisScript#durable}), which wait for replicas.
   */
  public Future<Response> send(Command command, Object... args) {
    Object orderKey = args.length > 0 ? args[0] : command;
    int slot = args.length > 0 ? slotOf(args[0].toString()) : 0;
    return submit(new RedisCall(Request.cmd(command, args), command.toString().toLowerCase(Locale.ROOT), orderKey,
        slot, false, false));
  }

  /** Runs a command on every primary (INFO): its replies, primary by primary. */
  public Future<Map<String, Response>> sendToEach(Command command, Object... args) {
    Topology topology = shards.topology();
    Map<String, Future<Response>> replies = new java.util.LinkedHashMap<>();
    for (String primary : topology.primaries()) {
      // any slot of that primary routes there
      int slot = firstSlotOf(topology, primary);
      replies.put(primary, submit(new RedisCall(Request.cmd(command, args), command.toString().toLowerCase(Locale.ROOT),
          command, slot, false, false)));
    }
    return Future.all(new ArrayList<>(replies.values())).map(v -> {
      Map<String, Response> out = new java.util.LinkedHashMap<>();
      replies.forEach((primary, reply) -> out.put(primary, reply.result()));
      return out;
    });
  }

  /** Runs a script, in the slot of (and ordered by) its first key. */
  public Future<Response> script(RedisScript script, List<String> keyList, List<String> args) {
    return script(script, keyList.isEmpty() ? script.name() : keyList.get(0), keyList, args);
  }

  /**
   * Runs a script in the slot of its first key (every key it is given lies there), after every command given
   * earlier from this event loop with the same {@code orderKey} (a session orders its sends by its own id).
   */
  public Future<Response> script(RedisScript script, Object orderKey, List<String> keyList, List<String> args) {
    Request request = Request.cmd(Command.EVALSHA).arg(script.sha()).arg(keyList.size());
    keyList.forEach(request::arg);
    args.forEach(request::arg);
    int slot = keyList.isEmpty() ? 0 : slotOf(keyList.get(0));
    return submit(new RedisCall(request, script.name(), orderKey, slot, true, script.durable()));
  }

  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    routers.values().forEach(r -> closing.add(onContext(r.context(), r::close)));
    SlotRouter h = home;
    if (h != null) {
      closing.add(onContext(h.context(), h::close));
    }
    return Future.join(closing).transform(ar -> shards.close());
  }

  private Future<Response> submit(RedisCall call) {
    SlotRouter router = router();
    if (Vertx.currentContext() == router.context() && Context.isOnEventLoopThread()) {
      router.submit(call);
    } else {
      router.context().runOnContext(v -> router.submit(call));
    }
    return call.promise.future().andThen(ar -> metrics.redisCommand(call.name, System.nanoTime() - call.startedAt,
        ar.succeeded()));
  }

  private int slotOf(String key) {
    return keys.cluster() ? Slots.of(key) : 0;
  }

  private static int firstSlotOf(Topology topology, String primary) {
    for (int slot = 0; slot < Slots.COUNT; slot++) {
      if (primary.equals(topology.owner(slot))) {
        return slot;
      }
    }
    return 0;
  }

  private SlotRouter router() {
    Context context = Vertx.currentContext();
    if (context == null || context.owner() != vertx || !Context.isOnEventLoopThread()) {
      if (home == null) {
        throw new IllegalStateException("RedisCommands.start() first");
      }
      return home;
    }
    return routers.computeIfAbsent(Thread.currentThread(), t -> newRouter(context));
  }

  private SlotRouter newRouter(Context context) {
    return new SlotRouter(vertx, context, shards, timeoutMillis, (address, owner) -> {
      RedisPipeline[] created = new RedisPipeline[perLoop];
      for (int i = 0; i < perLoop; i++) {
        created[i] = new RedisPipeline(vertx, context, address, shards.client(address), RedisScript.ALL, metrics,
            timeoutMillis, MAX_QUEUED_PER_PIPELINE, keys.cluster() ? owner : RedisPipeline.ALONE, waitReplicas,
            waitTimeoutMillis);
      }
      return created;
    });
  }

  private static Future<Void> onContext(Context context, java.util.function.Supplier<Future<Void>> action) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(done));
    return done.future();
  }
}
