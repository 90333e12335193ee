package chat.gateway.redis;

import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Acked means replicated, for one {@link RedisPipeline}: a durable command (a publish, a membership change)
 * is answered only once a {@code WAIT} written after it reports that enough replicas have it, one
 * {@code WAIT} for all the durable commands written in one turn of the event loop. A {@code WAIT} that finds
 * too few fails the batch's durable commands (they did run: their resends are deduplicated). How many
 * replicas: {@code REDIS_WAIT_REPLICAS}, or with {@code auto} one while the primary has any (asked every 5 s).
 * Confined to the pipeline's event loop.
 */
final class Replication {
  private static final long REPLICAS_CHECK_MS = 5_000;

  private final Context context;
  private final GatewayMetrics metrics;
  /** Replicas a durable write must reach: -1 for one when the primary has any. */
  private final int waitReplicas;
  private final long waitTimeoutMillis;
  /** Replicas the next WAIT asks for (0: none is written). */
  private int waitFor;
  private long replicasCheckedAt;
  /** The durable commands written in this turn of the loop (their WAIT goes after them, at the end of it). */
  private Batch batch;
  /** Batches whose WAIT is not answered yet. */
  private final ArrayDeque<Batch> waits = new ArrayDeque<>();

  /** The durable commands of one written batch, answered when their WAIT is. */
  static final class Batch {
    private final Map<RedisCall, Response> replies = new HashMap<>();
    private final List<RedisCall> calls = new ArrayList<>();

    /** {@code call} ran: its reply waits for the batch's WAIT. */
    void ran(RedisCall call, Response reply) {
      replies.put(call, reply);
    }

    /** {@code call} failed on its own: the WAIT has nothing to say about it. */
    void failed(RedisCall call) {
      calls.remove(call);
    }
  }

  Replication(Context context, GatewayMetrics metrics, int waitReplicas, long waitTimeoutMillis) {
    this.context = context;
    this.metrics = metrics;
    this.waitReplicas = waitReplicas;
    this.waitTimeoutMillis = waitTimeoutMillis;
    this.waitFor = Math.max(0, waitReplicas);
  }

  /**
   * The batch {@code call} joins as it is written on {@code connection}'s current connection, or null when its
   * reply needs no WAIT (not durable, or no replica to wait for).
   */
  Batch join(RedisCall call, Supplier<RedisConnection> connection) {
    if (!call.durable || waitFor == 0) {
      return null;
    }
    if (batch == null) {
      Batch opened = new Batch();
      batch = opened;
      context.runOnContext(v -> {
        RedisConnection on = connection.get();
        if (batch == opened && on != null) {
          writeWait(on);
        }
      });
    }
    batch.calls.add(call);
    return batch;
  }

  /** A new connection: with {@code auto}, how many replicas the primary has now. */
  void connected(RedisConnection connection) {
    checkReplicas(connection);
  }

  /** The connection dropped: the batch being written was in flight, and fails with it. */
  void lost() {
    batch = null;
  }

  /** With {@code auto}, asks again how many replicas there are, every 5 s. */
  void tick(RedisConnection connection) {
    if (waitReplicas < 0 && System.nanoTime() - replicasCheckedAt > REPLICAS_CHECK_MS * 1_000_000) {
      checkReplicas(connection);
    }
  }

  /** Fails the durable commands whose WAIT is overdue. */
  void failOverdue(CallTimeout timeout, long limit) {
    waits.forEach(w -> timeout.failOverdue(w.calls, limit, ""));
  }

  private void writeWait(RedisConnection connection) {
    Batch ending = batch;
    batch = null;
    int replicas = waitFor;
    waits.add(ending);
    connection.send(Request.cmd(Command.WAIT).arg(replicas).arg(waitTimeoutMillis)).onComplete(ar -> {
      waits.remove(ending);
      boolean enough = ar.succeeded() && ar.result().toInteger() >= replicas;
      metrics.redisPipelineEvent(enough ? "replicated" : "not_replicated");
      for (RedisCall call : ending.calls) {
        Response reply = ending.replies.get(call);
        if (enough && reply != null) {
          call.promise.tryComplete(reply);
        } else {
          call.fail("the write did not reach " + replicas + " replica(s) within " + waitTimeoutMillis + " ms");
        }
      }
    });
  }

  private void checkReplicas(RedisConnection connection) {
    replicasCheckedAt = System.nanoTime();
    if (waitReplicas >= 0 || connection == null) {
      return;
    }
    connection.send(Request.cmd(Command.INFO).arg("replication")).onSuccess(info -> {
      int replicas = 0;
      for (String line : info.toString().split("\r?\n")) {
        if (line.startsWith("connected_slaves:")) {
          replicas = Integer.parseInt(line.substring("connected_slaves:".length()).trim());
        }
      }
      waitFor = replicas > 0 ? 1 : 0;
    });
  }
}
