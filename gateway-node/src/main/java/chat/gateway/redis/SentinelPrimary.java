package chat.gateway.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The primary a set of Sentinels names, as a {@link Redis} client: {@link #connect} reaches the primary the Sentinels
 * name now. Every Sentinel is asked, each within a short timeout, about once a second; the answer of the one with the
 * highest configuration epoch wins (a Sentinel cut off with the old primary still names it, with an older epoch).
 * When the primary changes, the connections to the old one are closed, so their holders connect again and reach the
 * new one; a connection is handed out only once {@code ROLE} says its node is a primary.
 *
 * <p>vertx-redis-client's own Sentinel client is not used: it asks one Sentinel at a time over pooled connections
 * and waits without a timeout for an answer, so a Sentinel whose host dropped off the network (no FIN, no RST) held
 * every reconnect of the node forever, and it hears of a failover only from the Sentinel it subscribed to.
 */
final class SentinelPrimary implements Redis {
  private static final System.Logger LOG = System.getLogger(SentinelPrimary.class.getName());
  private static final long POLL_MILLIS = 1_000;

  private final Vertx vertx;
  private final List<String> sentinels;
  private final String masterName;
  private final String credentials;
  private final String poolName;
  private final Supplier<RedisOptions> pooled;
  private final long askMillis;
  /** A client per node (Sentinels and primaries), by {@code host:port}. */
  private final Map<String, Redis> clients = new ConcurrentHashMap<>();
  /** {@code host:port} of the primary, as last found; null before the first answer. */
  private volatile String primary;
  /** Rounds of asking started, and the latest whose answer was taken. Guarded by this. */
  private long rounds;
  private long appliedRound;
  private long timer = -1;

  /**
   * @param sentinels connection strings of the Sentinels ({@code redis://[user:password@]host:port}); the
   *                  credentials of the first are used for the primary too
   * @param poolName  prefix of the clients' pool names (a metrics label)
   * @param pooled    the options every node's client starts from
   * @param askMillis how long a connect, a Sentinel's answer and a primary's {@code ROLE} may take
   */
  SentinelPrimary(Vertx vertx, List<String> sentinels, String masterName, String poolName, Supplier<RedisOptions> pooled,
                  long askMillis) {
    this.vertx = vertx;
    this.sentinels = sentinels.stream().map(RedisUris::hostPort).toList();
    this.credentials = RedisUris.credentials(sentinels.get(0));
    this.masterName = masterName;
    this.poolName = poolName;
    this.pooled = pooled;
    this.askMillis = askMillis;
  }

  /** Finds the primary (fails when no Sentinel names it), then follows it. */
  Future<Void> start() {
    return find().<Void>mapEmpty().onSuccess(v -> timer = vertx.setPeriodic(POLL_MILLIS, id -> find()));
  }

  @Override
  public Future<RedisConnection> connect() {
    String at = primary;
    return (at == null ? find() : Future.succeededFuture(at)).compose(this::connectTo);
  }

  private Future<RedisConnection> connectTo(String address) {
    return client(address).connect().compose(c -> within(c.send(Request.cmd(Command.ROLE)), c).transform(ar -> {
      if (ar.succeeded() && "master".equals(ar.result().get(0).toString())) {
        return Future.succeededFuture(c);
      }
      c.close();
      return Future.failedFuture(ar.failed() ? ar.cause()
          : new IllegalStateException("Redis at " + address + " is not the primary (yet)"));
    }));
  }

  /**
   * Asks every Sentinel for the primary; the answer with the highest configuration epoch is taken. A change closes
   * the connections to the old primary. Fails when no Sentinel answers.
   */
  private Future<String> find() {
    long round = nextRound();
    List<Future<String[]>> answers = new ArrayList<>();
    for (String sentinel : sentinels) {
      answers.add(ask(sentinel));
    }
    return Future.join(answers).transform(ignored -> {
      String best = null;
      long bestEpoch = -1;
      for (Future<String[]> answer : answers) {
        if (answer.succeeded() && Long.parseLong(answer.result()[1]) > bestEpoch) {
          best = answer.result()[0];
          bestEpoch = Long.parseLong(answer.result()[1]);
        }
      }
      if (best == null) {
        List<String> why = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
          why.add(sentinels.get(i) + ": " + answers.get(i).cause().getMessage());
        }
        return Future.failedFuture("no Sentinel named the primary " + masterName + " (" + String.join("; ", why) + ")");
      }
      return Future.succeededFuture(apply(round, best));
    });
  }

  private synchronized long nextRound() {
    return ++rounds;
  }

  /**
   * Takes {@code found}, the answer of round {@code round}, unless a later round's answer was taken already (answers
   * may come back out of order); a new primary closes the client of the old one. Returns the primary taken.
   */
  private synchronized String apply(long round, String found) {
    if (round < appliedRound) {
      return primary;
    }
    appliedRound = round;
    String old = primary;
    primary = found;
    if (old != null && !old.equals(found)) {
      LOG.log(Level.WARNING, "the Sentinels name " + found + " as the primary now (it was " + old + ")");
      Redis gone = clients.remove(old);
      if (gone != null) {
        gone.close(); // the connections to the old primary end: their holders connect again, here
      }
    }
    return found;
  }

  /** {host:port, config-epoch} of the primary one Sentinel names. */
  private Future<String[]> ask(String sentinel) {
    return client(sentinel).connect().compose(c -> within(c.send(Request.cmd(Command.SENTINEL).arg("MASTER")
        .arg(masterName)), c).andThen(ar -> c.close()).map(reply -> {
          String ip = field(reply, "ip");
          String port = field(reply, "port");
          String epoch = field(reply, "config-epoch");
          if (ip == null || port == null || epoch == null) {
            throw new IllegalStateException("Sentinel " + sentinel + " knows no primary " + masterName);
          }
          return new String[] {(ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port, epoch};
        }));
  }

  /** {@code reply}, or a failure after {@code askMillis}, which closes {@code c} for good (it may be silent). */
  private Future<Response> within(Future<Response> reply, RedisConnection c) {
    Promise<Response> answered = Promise.promise();
    long timeout = vertx.setTimer(askMillis, id -> {
      if (answered.tryFail("no answer within " + askMillis + " ms")) {
        RedisSockets.closeForGood(c);
      }
    });
    reply.onComplete(ar -> {
      vertx.cancelTimer(timeout);
      if (ar.succeeded()) {
        answered.tryComplete(ar.result());
      } else {
        answered.tryFail(ar.cause());
      }
    });
    return answered.future();
  }

  private static String field(Response map, String name) {
    if (map == null) {
      return null;
    }
    if (map.containsKey(name)) {
      return map.get(name).toString();
    }
    for (int i = 0; i + 1 < map.size(); i += 2) { // RESP2: a flat list of names and values
      if (name.equals(map.get(i).toString())) {
        return map.get(i + 1).toString();
      }
    }
    return null;
  }

  private Redis client(String hostPort) {
    return clients.computeIfAbsent(hostPort, a -> {
      RedisOptions options = pooled.get().setConnectionString("redis://" + credentials + a).setPoolName(poolName + "-" + a);
      options.getNetClientOptions().setConnectTimeout((int) askMillis);
      return Redis.createClient(vertx, options);
    });
  }

  @Override
  public Future<Response> send(Request command) {
    return connect().compose(c -> c.send(command).eventually(c::close));
  }

  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    return connect().compose(c -> c.batch(commands).eventually(c::close));
  }

  @Override
  public Future<Void> close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    clients.values().forEach(Redis::close);
    clients.clear();
    return Future.succeededFuture();
  }
}
