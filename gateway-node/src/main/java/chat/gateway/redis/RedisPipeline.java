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

/**
 * One Redis connection (to one Redis, or one primary of a cluster), owned by one event loop, that runs
 * commands in exactly the order they were given to it, pipelined: it never waits for a reply before writing
 * the next command. Redis runs a connection's commands in the order they arrive, so the only ways to lose
 * that order are on this side, and each is closed here:
 *
 * <ul>
 *   <li><b>Scripts are loaded before use.</b> Every connection, new or reconnected, first loads every
 *   script, so a call by SHA does not fail for want of it, and no command is sent again by EVAL out of turn.
 *   <li><b>A flushed script cache stops the line.</b> When Redis answers {@code NOSCRIPT} (an operator ran
 *   SCRIPT FLUSH), nothing new is written until every reply in flight is in; then the scripts are loaded
 *   again and the refused commands are sent again in their order, ahead of anything newer. A refused
 *   command after which a later one of the same order key ran (the script came back through another
 *   connection meanwhile) would run out of turn if sent again: it fails instead, as a timeout would.
 *   <li><b>A connection that answers nothing</b> (its oldest command written more than twice the timeout, plus
 *   the {@code WAIT} timeout where acks wait for replicas, ago and still unanswered: a partition that drops its
 *   packets sends no FIN or RST) is dropped as lost and made again, rather than left silent until TCP gives up.
 *   <li><b>While the connection is down</b>, commands wait in order (at most {@code maxQueued}) and fail at
 *   their timeout; commands in flight when it dropped fail, since Redis may or may not have run them. The
 *   {@link Owner} may take back those never written, to run them elsewhere (a failover moved their slot).
 *   <li><b>A slot that moved</b> ({@code MOVED}, {@code ASK}): the command did not run; it goes back to the
 *   {@link Owner}, which sends it where its slot is now, behind nothing newer of that slot.
 * </ul>
 *
 * <b>Acked means replicated</b> ({@link Replication}): a durable command is answered once a {@code WAIT}
 * written after it says enough replicas have it.
 *
 * A failed command never holds back the commands after it. Every command fails at the latest
 * {@code timeoutMillis} after it was given (the reply, if it comes, is then dropped).
 */
final class RedisPipeline {
  private static final System.Logger LOG = System.getLogger(RedisPipeline.class.getName());
  private static final long BACKOFF_BASE_MS = 50;
  /** Below vertx-redis-client's per-connection limit of commands awaiting a reply (maxWaitingHandlers). */
  static final int MAX_IN_FLIGHT = 4096;
  private static final int MAX_ATTEMPTS = 3;

  /** Who sends calls elsewhere: the router of the pipeline's event loop. */
  interface Owner {
    /** {@code call} did not run here: its slot is served by {@code address} now ({@code ask}: for this call only). */
    void redirected(RedisCall call, String address, boolean ask);

    /** The connection dropped (or was refused): the node may be gone, and the topology worth reading again. */
    void lost(RedisPipeline pipeline);
  }

  /** Where there is no other node to send a call to: one Redis, or a primary followed through Sentinel. */
  static final Owner ALONE = new Owner() {
    @Override
    public void redirected(RedisCall call, String address, boolean ask) {
      call.fail("Redis answered with a cluster redirection (" + address + "); set REDIS_CLUSTER_NODES for a cluster");
    }

    @Override
    public void lost(RedisPipeline pipeline) {
    }
  };

  private final Vertx vertx;
  private final Context context;
  private final Thread loop;
  private final String address;
  private final Redis client;
  private final List<RedisScript> scripts;
  private final GatewayMetrics metrics;
  private final CallTimeout timeout;
  private final int maxQueued;
  private final Owner owner;
  private final Replication replication;
  private final long sweepTimer;
  /** How long the oldest command written may go unanswered before the connection counts as silent. */
  private final long silentNanos;
  /** Written, reply not in yet, oldest first. */
  private final ArrayDeque<RedisCall> inFlight = new ArrayDeque<>();
  /** Not written yet (not connected, too many in flight, or recovering), oldest first. */
  private final ArrayDeque<RedisCall> queued = new ArrayDeque<>();
  /** While recovering: commands refused with NOSCRIPT, in order. */
  private final List<RedisCall> refused = new ArrayList<>();
  private RedisConnection connection;
  private boolean connecting;
  private boolean closed;
  private int attempt;
  private long nextNumber;
  /** While recovering from NOSCRIPT: per order key, the number of the newest command that ran meanwhile. */
  private Map<Object, Long> recoveringRan;
  private final Promise<Void> firstConnection = Promise.promise();


  /**
   * A pipeline to {@code address} (reached through {@code client}) on the current event loop, {@code context}:
   * create it there. Calls from other threads hop to it (in the order each thread made them).
   */
  RedisPipeline(Vertx vertx, Context context, String address, Redis client, List<RedisScript> scripts,
                GatewayMetrics metrics, long timeoutMillis, int maxQueued, Owner owner, int waitReplicas,
                long waitTimeoutMillis) {
    if (!Context.isOnEventLoopThread() || Vertx.currentContext() != context) {
      throw new IllegalStateException("a pipeline is created on the event loop it belongs to");
    }
    this.vertx = vertx;
    this.context = context;
    this.loop = Thread.currentThread();
    this.address = address;
    this.client = client;
    this.scripts = scripts;
    this.metrics = metrics;
    this.timeout = new CallTimeout(timeoutMillis);
    this.maxQueued = maxQueued;
    this.owner = owner;
    this.replication = new Replication(context, metrics, waitReplicas, waitTimeoutMillis);
    this.silentNanos = (2 * timeoutMillis + (waitReplicas > 0 ? waitTimeoutMillis : 0)) * 1_000_000;
    this.sweepTimer = timeout.every(vertx, this::tick);
    connect();
  }

  String address() {
    return address;
  }

  /** Completes once the first connection is up with its scripts loaded; fails if that cannot happen. */
  Future<Void> started() {
    return firstConnection.future();
  }

  boolean connected() {
    return connection != null;
  }

  /** Runs a call after every call given to this pipeline before it. On the pipeline's event loop. */
  void submit(RedisCall call) {
    if (closed) {
      call.fail("the node is shutting down");
    } else if (queued.size() >= maxQueued) {
      call.fail("too many Redis commands waiting on this connection");
    } else {
      call.number = nextNumber++;
      queued.add(call);
      pump();
    }
  }

  /**
   * The calls given here and never written (so never run), oldest first, taken out of this pipeline: only
   * while it is not connected (with nothing in flight, whose answers could still come back out of turn).
   */
  List<RedisCall> takeUnwritten() {
    if (connection != null) {
      return List.of();
    }
    List<RedisCall> taken = new ArrayList<>(refused);
    refused.clear();
    taken.addAll(queued);
    queued.clear();
    taken.removeIf(RedisCall::done);
    return taken;
  }

  Future<Void> close() {
    Promise<Void> done = Promise.promise();
    onLoop(() -> {
      closed = true;
      vertx.cancelTimer(sweepTimer);
      queued.forEach(c -> c.fail("the node is shutting down"));
      queued.clear();
      refused.forEach(c -> c.fail("the node is shutting down"));
      refused.clear();
      firstConnection.tryFail("closed");
      RedisConnection c = connection;
      connection = null;
      (c == null ? Future.<Void>succeededFuture() : c.close()).onComplete(ar -> done.complete());
    });
    return done.future();
  }

  // ---- writing ------------------------------------------------------------------------------------

  /** Writes queued commands, oldest first, while connected, not recovering and under the in-flight cap. */
  private void pump() {
    while (connection != null && !recovering() && inFlight.size() < MAX_IN_FLIGHT && !queued.isEmpty()) {
      RedisCall call = queued.poll();
      if (!call.done()) {
        write(call);
      }
    }
  }

  private void write(RedisCall call) {
    call.attempts++;
    call.writtenAt = System.nanoTime();
    inFlight.add(call);
    RedisConnection on = connection;
    if (call.asking) {
      call.asking = false;
      on.send(Request.cmd(Command.ASKING));
    }
    Replication.Batch waiting = replication.join(call, () -> connection);
    on.send(call.request).onComplete(ar -> {
      inFlight.remove(call);
      if (ar.succeeded()) {
        ran(call);
        if (waiting != null) {
          waiting.ran(call, ar.result());
        } else {
          call.promise.tryComplete(ar.result());
        }
        afterReply(on);
        return;
      }
      if (waiting != null) {
        waiting.failed(call);
      }
      String error = ar.cause().getMessage() == null ? "" : ar.cause().getMessage();
      if (call.script && error.startsWith("NOSCRIPT")) {
        refuse(call);
        afterReply(on);
      } else if (error.startsWith("MOVED ") || error.startsWith("ASK ")) {
        String[] parts = error.split(" ");
        owner.redirected(call, parts[2], error.startsWith("ASK "));
        afterReply(on);
      } else if (error.startsWith("READONLY")) {
        // a primary that was demoted under a live connection (a failover under Sentinel): it did not run;
        // the next connection finds the new primary
        call.fail("Redis at " + address + " is a replica now");
        RedisSockets.closeForGood(on);
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

  // ---- recovery after NOSCRIPT ------------------------------------------------------------------

  private boolean recovering() {
    return recoveringRan != null;
  }

  private void refuse(RedisCall call) {
    if (!recovering()) {
      recoveringRan = new HashMap<>();
      LOG.log(Level.WARNING, "Redis lost its scripts under a live connection (SCRIPT FLUSH?); loading them again");
    }
    refused.add(call);
  }

  private void ran(RedisCall call) {
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
    List<RedisCall> again = new ArrayList<>(refused);
    refused.clear();
    for (RedisCall call : again) {
      if (ran.getOrDefault(call.orderKey, Long.MIN_VALUE) > call.number) {
        call.fail("Redis lost its scripts and a later command ran first; send it again");
      } else if (call.attempts >= MAX_ATTEMPTS) {
        call.fail("Redis keeps losing its scripts (SCRIPT FLUSH in a loop?)");
      } else if (!call.done()) {
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
        LOG.log(Level.DEBUG, "Redis connection to " + address + " failed: " + ar.cause().getMessage());
        if (attempt == 0) {
          firstConnection.tryFail(ar.cause());
        }
        owner.lost(this);
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
      replication.connected(c);
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
    LOG.log(Level.WARNING, "Redis command connection to " + address + " lost (" + why + "); reconnecting");
    metrics.redisPipelineEvent("lost");
    connection = null;
    replication.lost();
    // Refused commands never ran: they go first on the next connection. What was in flight fails now, since
    // Redis may have run it (a connection dropped for silence may never report its end).
    for (RedisCall call : inFlight) {
      call.fail("the Redis connection to " + address + " was lost (" + why + ") before it answered");
    }
    inFlight.clear();
    recoveringRan = null;
    for (int i = refused.size() - 1; i >= 0; i--) {
      queued.addFirst(refused.get(i));
    }
    refused.clear();
    owner.lost(this);
    reconnectLater();
  }

  private void reconnectLater() {
    if (closed) {
      return;
    }
    vertx.setTimer(Reconnect.delay(BACKOFF_BASE_MS, attempt++), id -> connect());
  }

  // ---- timeouts -------------------------------------------------------------------------------------

  private void tick() {
    failOverdue();
    dropIfSilent();
    replication.tick(connection);
  }

  /** Replies come in the order written: the oldest command in flight unanswered for too long means none came. */
  private void dropIfSilent() {
    RedisConnection c = connection;
    RedisCall oldest = inFlight.peek();
    if (c == null || oldest == null || System.nanoTime() - oldest.writtenAt < silentNanos) {
      return;
    }
    metrics.redisPipelineEvent("silent");
    lost(c, "no reply for " + (System.nanoTime() - oldest.writtenAt) / 1_000_000 + " ms");
    RedisSockets.closeForGood(c);
  }

  /** Fails every command given more than the timeout ago; a late reply is then dropped. */
  private void failOverdue() {
    long limit = timeout.limit();
    String why = timeout.why("");
    for (RedisCall call : inFlight) { // in the order given: the first one in time ends the overdue ones
      if (!CallTimeout.overdue(call, limit)) {
        break;
      }
      call.fail(why);
    }
    while (!queued.isEmpty() && CallTimeout.overdue(queued.peek(), limit)) {
      queued.poll().fail(why);
    }
    timeout.failOverdue(refused, limit, "");
    replication.failOverdue(timeout, limit);
  }

  private void onLoop(Runnable action) {
    if (Thread.currentThread() == loop) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
