package chat.gateway.redis;

import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One Redis connection, owned by one event loop, that runs commands in exactly the order they were given
 * to it, pipelined: it never waits for a reply before writing the next command. Redis runs a connection's
 * commands in the order they arrive, so the only ways to lose that order are on this side, and each is
 * closed here:
 *
 * <ul>
 *   <li><b>Scripts are loaded before use.</b> Every connection, new or reconnected, first loads every
 *   script, so a call by SHA does not fail for want of it, and no command is sent again by EVAL out of turn.
 *   <li><b>A flushed script cache stops the line.</b> When Redis answers {@code NOSCRIPT} (an operator ran
 *   SCRIPT FLUSH), nothing new is written until every reply in flight is in; then the scripts are loaded
 *   again and the refused commands are sent again in their order, ahead of anything newer. A refused
 *   command after which a later one of the same order key ran (the script came back through another
 *   connection meanwhile) would run out of turn if sent again: it fails instead, as a timeout would.
 *   <li><b>While the connection is down</b>, commands wait in order (at most {@code maxQueued}) and fail at
 *   their timeout; commands in flight when it dropped fail, since Redis may or may not have run them.
 * </ul>
 *
 * A failed command never holds back the commands after it. Every command fails at the latest
 * {@code timeoutMillis} after it was given (the reply, if it comes, is then dropped).
 */
final class RedisPipeline {
  private static final System.Logger LOG = System.getLogger(RedisPipeline.class.getName());
  private static final long BACKOFF_BASE_MS = 50;
  private static final long BACKOFF_CAP_MS = 2_000;
  /** Below vertx-redis-client's per-connection limit of commands awaiting a reply (maxWaitingHandlers). */
  static final int MAX_IN_FLIGHT = 4096;
  private static final int MAX_ATTEMPTS = 3;

  private final Vertx vertx;
  private final Context context;
  private final Thread loop;
  private final Redis client;
  private final List<RedisScript> scripts;
  private final GatewayMetrics metrics;
  private final long timeoutMillis;
  private final int maxQueued;
  private final long sweepTimer;
  /** Written, reply not in yet, oldest first. */
  private final ArrayDeque<Call> inFlight = new ArrayDeque<>();
  /** Not written yet (not connected, too many in flight, or recovering), oldest first. */
  private final ArrayDeque<Call> queued = new ArrayDeque<>();
  /** While recovering: commands refused with NOSCRIPT, in order. */
  private final List<Call> refused = new ArrayList<>();
  private RedisConnection connection;
  private boolean connecting;
  private boolean closed;
  private int attempt;
  private long nextNumber;
  /** While recovering from NOSCRIPT: per order key, the number of the newest command that ran meanwhile. */
  private Map<Object, Long> recoveringRan;
  private Promise<Void> firstConnection = Promise.promise();

  private static final class Call {
    final Request request;
    final String name;
    final Object orderKey;
    final Promise<Response> promise = Promise.promise();
    final long startedAt = System.nanoTime();
    final boolean script;
    long number;
    int attempts;

    Call(Request request, String name, Object orderKey, boolean script) {
      this.request = request;
      this.name = name;
      this.orderKey = orderKey;
      this.script = script;
    }
  }

  /**
   * A pipeline on the current event loop, {@code context}: create it there. Calls from other threads hop to
   * it (in the order each thread made them).
   */
  RedisPipeline(Vertx vertx, Context context, Redis client, List<RedisScript> scripts, GatewayMetrics metrics,
                long timeoutMillis, int maxQueued) {
    if (!Context.isOnEventLoopThread() || Vertx.currentContext() != context) {
      throw new IllegalStateException("a pipeline is created on the event loop it belongs to");
    }
    this.vertx = vertx;
    this.context = context;
    this.loop = Thread.currentThread();
    this.client = client;
    this.scripts = scripts;
    this.metrics = metrics;
    this.timeoutMillis = timeoutMillis;
    this.maxQueued = maxQueued;
    this.sweepTimer = vertx.setPeriodic(Math.max(10, Math.min(100, timeoutMillis / 10)), id -> failOverdue());
    connect();
  }

  /** Completes once the first connection is up with its scripts loaded; fails if that cannot happen. */
  Future<Void> started() {
    return firstConnection.future();
  }

  /** Runs a plain command after every command given before it with the same {@code orderKey}. */
  Future<Response> send(Request request, String name, Object orderKey) {
    return submit(new Call(request, name, orderKey, false));
  }

  /** Runs a script by its SHA (this pipeline loaded it before the first call), ordered like {@link #send}. */
  Future<Response> script(RedisScript script, Object orderKey, List<String> keys, List<String> args) {
    Request request = Request.cmd(Command.EVALSHA).arg(script.sha()).arg(keys.size());
    keys.forEach(request::arg);
    args.forEach(request::arg);
    return submit(new Call(request, script.name(), orderKey, true));
  }

  Future<Void> close() {
    Promise<Void> done = Promise.promise();
    onLoop(() -> {
      closed = true;
      vertx.cancelTimer(sweepTimer);
      queued.forEach(c -> fail(c, "the node is shutting down"));
      queued.clear();
      refused.forEach(c -> fail(c, "the node is shutting down"));
      refused.clear();
      firstConnection.tryFail("closed");
      RedisConnection c = connection;
      connection = null;
      (c == null ? Future.<Void>succeededFuture() : c.close()).onComplete(ar -> done.complete());
    });
    return done.future();
  }

  // ---- submitting and writing -------------------------------------------------------------------

  private Future<Response> submit(Call call) {
    onLoop(() -> {
      if (closed) {
        fail(call, "the node is shutting down");
      } else if (queued.size() >= maxQueued) {
        fail(call, "too many Redis commands waiting on this connection");
      } else {
        call.number = nextNumber++;
        queued.add(call);
        pump();
      }
    });
    return call.promise.future().andThen(ar -> metrics.redisCommand(call.name, System.nanoTime() - call.startedAt,
        ar.succeeded()));
  }

  /** Writes queued commands, oldest first, while connected, not recovering and under the in-flight cap. */
  private void pump() {
    while (connection != null && !recovering() && inFlight.size() < MAX_IN_FLIGHT && !queued.isEmpty()) {
      Call call = queued.poll();
      if (!call.promise.future().isComplete()) {
        write(call);
      }
    }
  }

  private void write(Call call) {
    call.attempts++;
    inFlight.add(call);
    RedisConnection on = connection;
    on.send(call.request).onComplete(ar -> {
      inFlight.remove(call);
      if (ar.succeeded()) {
        ran(call);
        call.promise.tryComplete(ar.result());
        afterReply(on);
      } else if (call.script && isNoScript(ar.cause())) {
        refuse(call);
        afterReply(on);
      } else {
        call.promise.tryFail(ar.cause());
        // The connection may be closing: it fails what is in flight first and reports its end after, so
        // nothing more is written on it before that is known.
        context.runOnContext(v -> afterReply(on));
      }
    });
  }

  private void afterReply(RedisConnection on) {
    if (connection != on) {
      return;
    }
    if (recovering() && inFlight.isEmpty()) {
      recover();
    }
    pump();
  }

  private static boolean isNoScript(Throwable failure) {
    return failure.getMessage() != null && failure.getMessage().startsWith("NOSCRIPT");
  }

  // ---- recovery after NOSCRIPT ------------------------------------------------------------------

  private boolean recovering() {
    return recoveringRan != null;
  }

  private void refuse(Call call) {
    if (!recovering()) {
      recoveringRan = new HashMap<>();
      LOG.log(Level.WARNING, "Redis lost its scripts under a live connection (SCRIPT FLUSH?); loading them again");
    }
    refused.add(call);
  }

  private void ran(Call call) {
    if (recovering()) {
      recoveringRan.merge(call.orderKey, call.number, Math::max);
    }
  }

  /**
   * Every reply is in: load the scripts again, then send the refused commands again in their order, except
   * those that a later command of the same order key already overtook (they fail), then whatever waited.
   */
  private void recover() {
    Map<Object, Long> ran = recoveringRan;
    recoveringRan = null;
    metrics.redisPipelineEvent("scripts_reloaded");
    loadScripts(connection);
    List<Call> again = new ArrayList<>(refused);
    refused.clear();
    for (Call call : again) {
      if (ran.getOrDefault(call.orderKey, Long.MIN_VALUE) > call.number) {
        fail(call, "Redis lost its scripts and a later command ran first; send it again");
      } else if (call.attempts >= MAX_ATTEMPTS) {
        fail(call, "Redis keeps losing its scripts (SCRIPT FLUSH in a loop?)");
      } else if (!call.promise.future().isComplete()) {
        write(call);
      }
    }
  }

  // ---- connection ---------------------------------------------------------------------------------

  private void connect() {
    if (closed || connecting) {
      return;
    }
    connecting = true;
    onLoop(() -> client.connect().onComplete(ar -> {
      connecting = false;
      if (ar.failed()) {
        LOG.log(Level.DEBUG, "Redis connection failed: " + ar.cause().getMessage());
        if (attempt == 0) {
          firstConnection.tryFail(ar.cause());
        }
        reconnectLater();
        return;
      }
      RedisConnection c = ar.result();
      if (closed) {
        c.close();
        return;
      }
      c.exceptionHandler(e -> lost(c, e.getMessage())).endHandler(v -> lost(c, "connection ended"));
      loadScripts(c).onComplete(loaded -> {
        if (loaded.succeeded()) {
          firstConnection.tryComplete();
        } else {
          firstConnection.tryFail(loaded.cause());
        }
      });
      connection = c;
      attempt = 0;
      metrics.redisPipelineEvent("connected");
      pump();
    }));
  }

  /** Writes SCRIPT LOAD of every script: commands written after it on {@code c} find them. */
  private Future<Void> loadScripts(RedisConnection c) {
    List<Future<Response>> loads = new ArrayList<>();
    for (RedisScript s : scripts) {
      loads.add(c.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(s.source())));
    }
    return Future.all(loads).mapEmpty();
  }

  private void lost(RedisConnection c, String why) {
    if (connection != c) {
      return;
    }
    LOG.log(Level.WARNING, "Redis command connection lost (" + why + "); reconnecting");
    metrics.redisPipelineEvent("lost");
    connection = null;
    // Refused commands never ran: they go first on the next connection. What was in flight fails (the
    // client closes it with the connection) since Redis may have run it.
    recoveringRan = null;
    for (int i = refused.size() - 1; i >= 0; i--) {
      queued.addFirst(refused.get(i));
    }
    refused.clear();
    reconnectLater();
  }

  private void reconnectLater() {
    if (closed) {
      return;
    }
    long cap = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS << Math.min(attempt++, 10));
    vertx.setTimer(1 + ThreadLocalRandom.current().nextLong(cap), id -> connect());
  }

  // ---- timeouts -------------------------------------------------------------------------------------

  /** Fails every command given more than the timeout ago; a late reply is then dropped. */
  private void failOverdue() {
    long overdue = System.nanoTime() - timeoutMillis * 1_000_000;
    String why = "Redis did not answer within " + timeoutMillis + " ms";
    for (Call call : inFlight) {
      if (call.startedAt - overdue > 0) {
        break;
      }
      fail(call, why);
    }
    while (!queued.isEmpty() && queued.peek().startedAt - overdue <= 0) {
      fail(queued.poll(), why);
    }
    refused.forEach(call -> {
      if (call.startedAt - overdue <= 0) {
        fail(call, why);
      }
    });
  }

  private static void fail(Call call, String why) {
    call.promise.tryFail(new RedisCommandException(why));
  }

  private void onLoop(Runnable action) {
    if (Thread.currentThread() == loop) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  /** A command that did not run, or whose outcome is unknown, for a reason of this side. */
  static final class RedisCommandException extends RuntimeException {
    RedisCommandException(String message) {
      super(message, null, false, false);
    }
  }
}
