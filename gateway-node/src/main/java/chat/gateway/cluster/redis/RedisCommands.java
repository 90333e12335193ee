package chat.gateway.cluster.redis;

import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pooled Redis client as the gateway uses it: every command bounded by a timeout (a paused Redis
 * must not hold a request forever) and timed into {@code chat_redis_command_seconds}. Scripts are loaded
 * once and called by SHA; after Redis lost its script cache (a restart) the call falls back to EVAL,
 * which loads the script again.
 */
public final class RedisCommands {
  private final Redis redis;
  private final RedisKeys keys;
  private final GatewayMetrics metrics;
  private final long timeoutMillis;

  public RedisCommands(Redis redis, RedisKeys keys, GatewayMetrics metrics, long timeoutMillis) {
    this.redis = redis;
    this.keys = keys;
    this.metrics = metrics;
    this.timeoutMillis = timeoutMillis;
  }

  public RedisKeys keys() {
    return keys;
  }

  public Redis client() {
    return redis;
  }

  public Future<Response> send(Command command, Object... args) {
    return timed(command.toString().toLowerCase(java.util.Locale.ROOT), redis.send(Request.cmd(command, args)));
  }

  public Future<Response> script(RedisScript script, List<String> keyList, List<String> args) {
    Future<Response> call = redis.send(evalRequest(Command.EVALSHA, script.sha(), keyList, args))
        .recover(failure -> failure.getMessage() != null && failure.getMessage().startsWith("NOSCRIPT")
            ? redis.send(evalRequest(Command.EVAL, script.source(), keyList, args))
            : Future.failedFuture(failure));
    return timed(script.name(), call);
  }

  /** Loads every script into the script cache (so the first calls by SHA succeed). */
  public Future<Void> loadScripts() {
    List<RedisScript> all = List.of(RedisScript.PUBLISH, RedisScript.ROUTE, RedisScript.SINCE, RedisScript.PAGE,
        RedisScript.HEAD, RedisScript.REGISTER, RedisScript.UNREGISTER, RedisScript.SWEEP, RedisScript.MEMBERSHIP);
    return Future.all(all.stream().map(s -> send(Command.SCRIPT, "LOAD", s.source())).toList()).mapEmpty();
  }

  private static Request evalRequest(Command command, String scriptOrSha, List<String> keyList, List<String> args) {
    Request request = Request.cmd(command).arg(scriptOrSha).arg(keyList.size());
    keyList.forEach(request::arg);
    args.forEach(request::arg);
    return request;
  }

  private Future<Response> timed(String name, Future<Response> call) {
    long start = System.nanoTime();
    return call.timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .andThen(ar -> metrics.redisCommand(name, System.nanoTime() - start, ar.succeeded()));
  }
}
