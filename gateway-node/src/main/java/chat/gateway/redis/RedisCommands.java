package chat.gateway.redis;

import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How the gateway talks to Redis: every command through a {@link RedisPipeline}, bounded by a timeout (a
 * paused Redis must not hold a request forever) and timed into {@code chat_redis_command_seconds}.
 *
 * <p><b>Ordering.</b> Each event loop has its own pipelines ({@code perLoop} of them, created on first
 * use), and a command goes to the one its {@code orderKey} picks. Commands given from one event loop with
 * the same order key therefore reach Redis in the order they were given: one session's sends (a session
 * lives on one loop, and orders its sends by its own key) are stored in the order it sent them, while
 * other sessions' commands are pipelined beside them without waiting. Callers off the node's event loops
 * (workers, tests) share one more pipeline.
 */
public final class RedisCommands {
  private static final int MAX_QUEUED_PER_PIPELINE = 16_384;

  private final Vertx vertx;
  private final Redis redis;
  private final RedisKeys keys;
  private final GatewayMetrics metrics;
  private final long timeoutMillis;
  private final int perLoop;
  private final Map<Thread, RedisPipeline[]> byLoop = new ConcurrentHashMap<>();
  private final Context homeContext;
  private volatile RedisPipeline home;

  public RedisCommands(Vertx vertx, Redis redis, RedisKeys keys, GatewayMetrics metrics, long timeoutMillis,
                       int perLoop) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.metrics = metrics;
    this.timeoutMillis = timeoutMillis;
    this.perLoop = perLoop;
    this.homeContext = vertx.getOrCreateContext();
  }

  public RedisKeys keys() {
    return keys;
  }

  /** The client itself, for dedicated connections (pub/sub). */
  public Redis client() {
    return redis;
  }

  /** Connects the shared pipeline and loads the scripts: fails when Redis cannot be used. */
  public Future<Void> start() {
    Promise<Void> started = Promise.promise();
    homeContext.runOnContext(v -> {
      home = newPipeline(homeContext);
      home.started().onComplete(started);
    });
    return started.future();
  }

  /** Runs a command, ordered by its first argument (usually its key). */
  public Future<Response> send(Command command, Object... args) {
    Object orderKey = args.length > 0 ? args[0] : command;
    return pipeline(orderKey).send(Request.cmd(command, args), command.toString().toLowerCase(Locale.ROOT), orderKey);
  }

  /** Runs a script, ordered by its first key. */
  public Future<Response> script(RedisScript script, List<String> keyList, List<String> args) {
    return script(script, keyList.isEmpty() ? script.name() : keyList.get(0), keyList, args);
  }

  /**
   * Runs a script after every command given earlier from this event loop with the same {@code orderKey}
   * (a session orders its sends by its own id).
   */
  public Future<Response> script(RedisScript script, Object orderKey, List<String> keyList, List<String> args) {
    return pipeline(orderKey).script(script, orderKey, keyList, args);
  }

  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    byLoop.values().forEach(ps -> {
      for (RedisPipeline p : ps) {
        closing.add(p.close());
      }
    });
    if (home != null) {
      closing.add(home.close());
    }
    return Future.join(closing).mapEmpty();
  }

  private RedisPipeline pipeline(Object orderKey) {
    Context context = Vertx.currentContext();
    if (context == null || context.owner() != vertx || !Context.isOnEventLoopThread()) {
      if (home == null) {
        throw new IllegalStateException("RedisCommands.start() first");
      }
      return home;
    }
    RedisPipeline[] pipelines = byLoop.computeIfAbsent(Thread.currentThread(), t -> {
      RedisPipeline[] created = new RedisPipeline[perLoop];
      for (int i = 0; i < perLoop; i++) {
        created[i] = newPipeline(context);
      }
      return created;
    });
    return pipelines.length == 1 ? pipelines[0] : pipelines[Math.floorMod(orderKey.hashCode(), pipelines.length)];
  }

  private RedisPipeline newPipeline(Context context) {
    return new RedisPipeline(vertx, context, redis, RedisScript.ALL, metrics, timeoutMillis, MAX_QUEUED_PER_PIPELINE);
  }
}
