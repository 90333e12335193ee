package chat.gateway.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The shards of a Redis Cluster, read with {@code CLUSTER SLOTS} from the seed nodes or any node seen since,
 * and read again every few seconds, at once when something suggests a change ({@link #stale}), and then
 * every {@value #URGENT_MILLIS} ms for a while: a failover shows in a node's answer only once a replica is
 * promoted, seconds after the primary died. One client per primary, created when first needed. Reads run on
 * one context of their own.
 */
final class ClusterShards implements ShardMap {
  private static final System.Logger LOG = System.getLogger(ClusterShards.class.getName());
  private static final long URGENT_MILLIS = 200;
  private static final long CALM_MILLIS = 5_000;
  /** How long after a sign of change the topology is read often. */
  private static final long URGENT_FOR_MILLIS = 15_000;

  private final Vertx vertx;
  private final Context context;
  private final String credentials;
  private final String poolName;
  private final java.util.function.Supplier<RedisOptions> pooled;
  /** Seeds first, then every node any topology named, in the order first seen. */
  private final Set<String> known = new LinkedHashSet<>();
  private final Map<String, Redis> clients = new ConcurrentHashMap<>();
  private final List<Consumer<Topology>> listeners = new CopyOnWriteArrayList<>();
  private volatile Topology topology;
  private volatile long urgentUntil;
  private long lastRead;
  private boolean reading;
  private long timer;
  private RedisConnection probe;
  private String probeAddress;

  /**
   * @param seeds    connection strings of some nodes of the cluster ({@code redis://[:password@]host:port});
   *                 the password of the first is used for every node
   * @param poolName prefix of the clients' pool names (a metrics label)
   * @param pooled   the options every node's client starts from (pool size, timeouts)
   */
  ClusterShards(Vertx vertx, List<String> seeds, String poolName, java.util.function.Supplier<RedisOptions> pooled) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.credentials = RedisUris.credentials(seeds.get(0));
    this.poolName = poolName;
    this.pooled = pooled;
    for (String seed : seeds) {
      known.add(RedisUris.hostPort(seed));
    }
  }

  @Override
  public Future<Void> start() {
    Promise<Void> started = Promise.promise();
    context.runOnContext(v -> read().onComplete(ar -> {
      if (ar.failed() || topology == null) {
        started.fail("no node of the cluster answered CLUSTER SLOTS (" + String.join(",", known) + ")"
            + (ar.failed() ? ": " + ar.cause().getMessage() : ""));
        return;
      }
      if (!topology.complete()) {
        started.fail("the cluster does not serve every slot yet (cluster_state is not ok): " + topology);
        return;
      }
      timer = vertx.setPeriodic(URGENT_MILLIS, id -> tick());
      started.complete();
    }));
    return started.future();
  }

  @Override
  public Topology topology() {
    return topology;
  }

  @Override
  public Redis client(String address) {
    return clients.computeIfAbsent(address, a -> Redis.createClient(vertx, pooled.get()
        .setConnectionString("redis://" + credentials + a).setPoolName(poolName + "-" + a)));
  }

  @Override
  public void stale() {
    boolean calm = System.currentTimeMillis() >= urgentUntil;
    urgentUntil = System.currentTimeMillis() + URGENT_FOR_MILLIS;
    if (calm) {
      context.runOnContext(v -> read());
    }
  }

  @Override
  public void onChange(Consumer<Topology> listener) {
    listeners.add(listener);
  }

  @Override
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      vertx.cancelTimer(timer);
      if (probe != null) {
        probe.close();
        probe = null;
      }
      clients.values().forEach(Redis::close);
      done.complete();
    });
    return done.future();
  }

  private void tick() {
    long now = System.currentTimeMillis();
    if (now < urgentUntil || now - lastRead >= CALM_MILLIS) {
      read();
    }
  }

  /** Reads CLUSTER SLOTS from the node last read, or the next that answers; publishes a changed topology. */
  private Future<Void> read() {
    if (reading) {
      return Future.succeededFuture();
    }
    reading = true;
    lastRead = System.currentTimeMillis();
    List<String> candidates = new ArrayList<>();
    if (probeAddress != null) {
      candidates.add(probeAddress);
    }
    if (topology != null) {
      candidates.addAll(topology.primaries());
    }
    candidates.addAll(known);
    return readFrom(new ArrayList<>(new LinkedHashSet<>(candidates)), 0).onComplete(ar -> reading = false);
  }

  private Future<Void> readFrom(List<String> candidates, int index) {
    if (index >= candidates.size()) {
      return Future.failedFuture("no node of the cluster answers");
    }
    String address = candidates.get(index);
    return probe(address)
        .compose(c -> c.send(Request.cmd(Command.CLUSTER).arg("SLOTS")).timeout(2, java.util.concurrent.TimeUnit.SECONDS)
            .onFailure(e -> dropProbe(c)))
        .compose(reply -> {
          Topology read = Topology.fromClusterSlots(reply);
          if (!read.complete() && index + 1 < candidates.size()) {
            // a node that lost its view of the cluster (a primary that came back): ask another
            return readFrom(candidates, index + 1).recover(e -> accept(read));
          }
          return accept(read);
        }, e -> readFrom(candidates, index + 1));
  }

  private Future<Void> accept(Topology read) {
    known.addAll(read.primaries());
    if (!read.equals(topology)) {
      Topology before = topology;
      topology = read;
      if (before != null) {
        LOG.log(Level.INFO, "Redis Cluster topology changed: " + before + " -> " + read);
      }
      listeners.forEach(l -> l.accept(read));
    }
    return Future.succeededFuture();
  }

  private Future<RedisConnection> probe(String address) {
    if (probe != null && address.equals(probeAddress)) {
      return Future.succeededFuture(probe);
    }
    dropProbe(probe);
    return client(address).connect().map(c -> {
      probe = c;
      probeAddress = address;
      c.exceptionHandler(e -> dropProbe(c)).endHandler(v -> dropProbe(c));
      return c;
    });
  }

  private void dropProbe(RedisConnection c) {
    if (c != null && probe == c) {
      probe = null;
      probeAddress = null;
      c.close();
    }
  }
}
