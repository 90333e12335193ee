package chat.gateway.registry;

import chat.gateway.redis.RedisCommands;
import chat.gateway.redis.RedisKeys;
import chat.gateway.redis.RedisScript;
import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link SessionRegistry} on Redis: a hash per user (session to {@code node|device|connectedAt}), a set
 * of sessions per node, a set of online users, and a liveness key per node with a TTL that the node
 * refreshes. Every node tries, every half TTL, to take the sweeper lock; the one that holds it removes
 * the sessions of nodes whose liveness key expired, and reports the users that went offline.
 */
public final class RedisSessionRegistry implements SessionRegistry {
  private static final System.Logger LOG = System.getLogger(RedisSessionRegistry.class.getName());

  private final Vertx vertx;
  private final RedisCommands redis;
  private final RedisKeys keys;
  private final String nodeId;
  private final Supplier<NodeInfo> self;
  private final long ttlMillis;
  private final GatewayMetrics metrics;
  private final Consumer<String> wentOffline;
  private long heartbeatTimer;
  private long sweepTimer;
  /** A refresh found this node's liveness gone since {@link #announce} last asked. */
  private volatile boolean lapsed;
  /** The id of the data Redis held when this node last looked ({@link #markDataset}). */
  private volatile String dataset;

  /** {@code wentOffline} is told of each user whose last session a sweep removed. */
  public RedisSessionRegistry(Vertx vertx, RedisCommands redis, String nodeId, Supplier<NodeInfo> self,
                              Duration nodeTtl, GatewayMetrics metrics, Consumer<String> wentOffline) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = redis.keys();
    this.nodeId = nodeId;
    this.self = self;
    this.ttlMillis = nodeTtl.toMillis();
    this.metrics = metrics;
    this.wentOffline = wentOffline;
  }

  /** Clears what an earlier process with this node id left, announces this node, and starts the timers. */
  public Future<Void> start() {
    return sweep(nodeId, false).compose(v -> heartbeat()).compose(v -> markDataset()).<Void>mapEmpty().onSuccess(v -> {
      lapsed = false; // the first refresh of a new process finds nothing: that is no outage
      heartbeatTimer = vertx.setPeriodic(Math.max(100, ttlMillis / 3), id -> heartbeat());
      sweepTimer = vertx.setPeriodic(Math.max(100, ttlMillis / 2), id -> sweepDeadNodes());
    });
  }

  /** Stops announcing this node and removes it (its sessions are unregistered as they close). */
  public Future<Void> stop() {
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(sweepTimer);
    return redis.send(Command.DEL, keys.nodeAlive(nodeId)).compose(v -> sweep(nodeId, false)).mapEmpty();
  }

  @Override
  public Future<Integer> register(SessionInfo s, int maxSessions) {
    List<String> keyList = new ArrayList<>(sessionKeys(s));
    keyList.add(keys.exclusion(s.user()));
    return redis.script(RedisScript.REGISTER, keyList, List.of(s.session(),
        s.node() + "|" + s.device() + "|" + s.connectedAt(), s.user(), Integer.toString(maxSessions),
        Long.toString(s.connectedAt()))).map(Response::toInteger);
  }

  @Override
  public Future<Void> exclude(String user, long notBefore, long keepMillis) {
    return redis.script(RedisScript.EXCLUDE, List.of(keys.exclusion(user)),
        List.of(Long.toString(notBefore), Long.toString(keepMillis))).mapEmpty();
  }

  @Override
  public Future<Integer> unregister(SessionInfo s) {
    return redis.script(RedisScript.UNREGISTER, sessionKeys(s), List.of(s.session(), s.user()))
        .map(r -> r.toInteger() < 0 ? 1 : r.toInteger());
  }

  private List<String> sessionKeys(SessionInfo s) {
    return List.of(keys.sessions(s.user()), keys.nodeSessions(s.node()), keys.online());
  }

  @Override
  public Future<List<String>> online(Collection<String> users) {
    if (users.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<String> ordered = List.copyOf(users);
    return redis.send(Command.SMISMEMBER, requestArgs(keys.online(), ordered)).map(flags -> {
      List<String> online = new ArrayList<>();
      for (int i = 0; i < ordered.size(); i++) {
        if (flags.get(i).toInteger() == 1) {
          online.add(ordered.get(i));
        }
      }
      return online;
    });
  }

  private static Object[] requestArgs(String first, List<String> rest) {
    Object[] args = new Object[rest.size() + 1];
    args[0] = first;
    for (int i = 0; i < rest.size(); i++) {
      args[i + 1] = rest.get(i);
    }
    return args;
  }

  @Override
  public Future<OnlineUsers> onlineUsers(int limit) {
    return redis.send(Command.SCARD, keys.online()).compose(total -> redis.send(Command.SRANDMEMBER, keys.online(),
            limit).map(sample -> {
              List<String> users = new ArrayList<>();
              for (int i = 0; sample != null && i < sample.size(); i++) {
                users.add(sample.get(i).toString());
              }
              users.sort(null);
              return new OnlineUsers(users, total.toLong());
            }));
  }

  @Override
  public Future<List<NodeInfo>> nodes() {
    return redis.send(Command.SMEMBERS, keys.nodes()).compose(ids -> {
      List<String> nodeIds = new ArrayList<>();
      ids.forEach(r -> nodeIds.add(r.toString()));
      if (nodeIds.isEmpty()) {
        return Future.succeededFuture(List.<NodeInfo>of());
      }
      return redis.send(Command.MGET, nodeIds.stream().map(keys::nodeAlive).toArray()).map(values -> {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < nodeIds.size(); i++) {
          Response value = values.get(i);
          if (nodeIds.get(i).equals(nodeId)) {
            nodes.add(self.get()); // this node's own figures are live, the others' as of their last heartbeat
          } else if (value != null) {
            String[] f = value.toString().split("\\|");
            nodes.add(new NodeInfo(nodeIds.get(i), f[0], Long.parseLong(f[2]), Long.parseLong(f[1])));
          }
        }
        nodes.sort(java.util.Comparator.comparing(NodeInfo::id));
        return nodes;
      });
    });
  }

  @Override
  public Future<Standing> announce() {
    return heartbeat().compose(v -> markDataset()).map(changed -> {
      boolean known = !lapsed;
      lapsed = false;
      return changed ? Standing.DATA_LOST : known ? Standing.KNOWN : Standing.LAPSED;
    });
  }

  /**
   * Reads the id of the data Redis holds, creating one if there is none; true if it is not the one this node
   * saw last: Redis lost its data since (whichever node created the new id first).
   */
  private Future<Boolean> markDataset() {
    String candidate = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50), 36);
    return redis.send(Command.SET, keys.dataset(), candidate, "NX", "GET").map(reply -> {
      String current = reply == null ? candidate : reply.toString();
      boolean changed = dataset != null && !dataset.equals(current);
      dataset = current;
      return changed;
    });
  }

  /**
   * Refreshes this node's liveness, reading the value it replaces: none means it had expired (or Redis
   * lost it), which {@link #announce} reports once, whichever refresh found it (the periodic one may run
   * first after an outage).
   */
  private Future<Void> heartbeat() {
    NodeInfo node = self.get();
    String value = node.address() + "|" + node.startedAt() + "|" + node.connections();
    return redis.send(Command.SET, keys.nodeAlive(nodeId), value, "PX", ttlMillis, "GET")
        .compose(previous -> {
          if (previous == null) {
            lapsed = true;
          }
          return redis.send(Command.SADD, keys.nodes(), nodeId);
        }).mapEmpty();
  }

  /** One node at a time (the holder of the lock) removes the sessions of nodes whose liveness expired. */
  private void sweepDeadNodes() {
    redis.send(Command.SET, keys.sweeperLock(), nodeId, "NX", "PX", Math.max(100, ttlMillis / 2))
        .compose(locked -> locked == null ? Future.succeededFuture() : redis.send(Command.SMEMBERS, keys.nodes())
            .compose(ids -> {
              List<Future<Void>> sweeps = new ArrayList<>();
              ids.forEach(r -> {
                String node = r.toString();
                if (!node.equals(nodeId)) {
                  sweeps.add(redis.send(Command.EXISTS, keys.nodeAlive(node))
                      .compose(alive -> alive.toInteger() == 1 ? Future.succeededFuture() : sweep(node, true)));
                }
              });
              return Future.all(sweeps).mapEmpty();
            }))
        .onFailure(e -> LOG.log(Level.WARNING, "registry sweep failed: " + e.getMessage()));
  }

  /** Sweeps a node's sessions; {@code ifDead}: only if its liveness is still gone when the script runs. */
  private Future<Void> sweep(String node, boolean ifDead) {
    return redis.script(RedisScript.SWEEP, List.of(keys.nodeSessions(node), keys.online(), keys.nodes(),
        keys.nodeAlive(node)), List.of(keys.prefix(), node, ifDead ? "dead" : "always")).map(offline -> {
          metrics.registrySweep(node.equals(nodeId) ? "own" : "dead_node");
          offline.forEach(user -> wentOffline.accept(user.toString()));
          if (!node.equals(nodeId)) {
            LOG.log(Level.INFO, "swept the sessions of node " + node + " (liveness expired)");
          }
          return null;
        });
  }
}
