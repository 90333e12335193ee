package chat.gateway.registry;

import chat.gateway.message.Position;
import chat.gateway.redis.RedisCommands;
import chat.gateway.webhook.Recording;
import chat.gateway.redis.RedisKeys;
import chat.gateway.redis.RedisScript;
import chat.gateway.metrics.GatewayMetrics;
import chat.protocol.Channel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link SessionRegistry} on Redis: a hash per user (session to {@code node|device|connectedAt|incarnation},
 * in the user's slot), a hash of sessions per node (in the node's slot), sets of online users, and a liveness
 * key per node with a TTL that the node refreshes. Every node tries, every half TTL, to take the sweeper
 * lock; the one that holds it removes the sessions of nodes whose liveness key expired, and reports the users
 * that went offline. Nothing here needs two slots at once: on a Redis Cluster, each step runs on one shard; on one
 * Redis, a session's registration and its removal are one script each.
 */
public final class RedisSessionRegistry implements SessionRegistry {
  private static final System.Logger LOG = System.getLogger(RedisSessionRegistry.class.getName());
  /** Sessions of a dead node removed at once: a node of 20,000 sessions is swept in pipelined batches. */
  private static final int SWEEP_BATCH = 1_000;

  /** A session swept with its dead node ended as its TCP connection did, without a close frame. */
  private static final int ABNORMAL_CLOSURE = 1006;
  /** The webhook's session and presence events, recorded by register.lua and unregister.lua. */
  private final Recording webhooks;
  private final Vertx vertx;
  private final RedisCommands redis;
  private final RedisKeys keys;
  private final String nodeId;
  private final Supplier<NodeInfo> self;
  private final long ttlMillis;
  /** How long a channel's history is kept (ms): a user's channel whose head registration creates expires with it. */
  private final String historyMaxAgeMillis;
  private final GatewayMetrics metrics;
  private final Consumer<String> wentOffline;
  private final Runnable lapsed;
  private long heartbeatTimer;
  private long sweepTimer;
  /** Started: a refresh that finds the liveness gone from now on finds a lapse. */
  private volatile boolean running;
  /**
   * What the node owes the registry: the worst it found since it last put everything back ({@link #settled}),
   * with how many findings there were and how many the last {@link #announce} reported. Guarded by this.
   */
  private Standing owed = Standing.KNOWN;
  private long findings;
  private long announcedFindings;
  /** The id of the data Redis held when this node last looked ({@link #markDataset}). */
  private volatile String dataset;
  /**
   * Written with every session this node registers; a new one each time the node finds its liveness lapsed
   * and puts its sessions back, so that a sweep still under way removes only what it took.
   */
  private volatile long incarnation = System.currentTimeMillis();

  /**
   * {@code wentOffline} is told of each user whose last session a sweep removed; {@code lapsed} runs when a
   * refresh finds this node's liveness gone (it expired while the node could not refresh it: an outage, a pause):
   * another node may have swept its sessions, which {@link #announce} then reports until {@link #settled}.
   */
  public RedisSessionRegistry(Vertx vertx, RedisCommands redis, String nodeId, Supplier<NodeInfo> self,
                              Duration nodeTtl, Duration historyMaxAge, GatewayMetrics metrics,
                              Consumer<String> wentOffline, Runnable lapsed, Recording webhooks) {
    this.webhooks = webhooks;
    this.vertx = vertx;
    this.redis = redis;
    this.keys = redis.keys();
    this.nodeId = nodeId;
    this.self = self;
    this.ttlMillis = nodeTtl.toMillis();
    this.historyMaxAgeMillis = Long.toString(historyMaxAge.toMillis());
    this.metrics = metrics;
    this.wentOffline = wentOffline;
    this.lapsed = lapsed;
  }

  /** Clears what an earlier process with this node id left, announces this node, and starts the timers. */
  public Future<Void> start() {
    return sweep(nodeId, false).compose(v -> heartbeat()).compose(v -> markDataset()).<Void>mapEmpty().onSuccess(v -> {
      running = true; // the first refresh of a new process finds nothing: that is no lapse
      heartbeatTimer = vertx.setPeriodic(Math.max(100, ttlMillis / 3), id -> heartbeat());
      sweepTimer = vertx.setPeriodic(Math.max(100, ttlMillis / 2), id -> sweepDeadNodes());
    });
  }

  /** Stops announcing this node and removes it (its sessions are unregistered as they close). */
  public Future<Void> stop() {
    running = false;
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(sweepTimer);
    return redis.send(Command.DEL, keys.nodeAlive(nodeId)).compose(v -> sweep(nodeId, false)).mapEmpty();
  }

  /**
   * The node's sessions hash first (a session whose node dies is always found by its sweep), then the user's
   * sessions (where the caps and exclusions are checked, and the user's groups and their channel's head read), then
   * the user's online set. Three slots on a cluster; one script (register.lua) where every key may be in one.
   */
  @Override
  public Future<Registration> register(SessionInfo s, int maxSessions) {
    String inc = Long.toString(incarnation);
    String field = s.user() + "|" + s.session();
    List<String> keyList = withWebhookKeys(s.user(), keys.sessions(s.user()), keys.exclusion(s.user()),
        keys.groupsOf(s.user()), keys.meta(Channel.user(s.user()).name()));
    List<String> args = new ArrayList<>(List.of(s.session(),
        s.node() + "|" + s.device() + "|" + s.connectedAt() + "|" + inc, Integer.toString(maxSessions),
        Long.toString(s.connectedAt()), webhooks.maxForSessions(), webhooks.sessionTypes(), s.user(), s.node(),
        Long.toString(System.currentTimeMillis()), Position.newEpoch(), historyMaxAgeMillis));
    if (!keys.cluster()) {
      keyList.addAll(List.of(keys.nodeSessions(s.node()), keys.online(s.user())));
      args.addAll(List.of(field, inc));
      return registerScript(s.user(), keyList, args);
    }
    return redis.send(Command.HSET, keys.nodeSessions(s.node()), field, inc)
        .compose(v -> registerScript(s.user(), keyList, args))
        .compose(r -> r.refused() ? redis.send(Command.HDEL, keys.nodeSessions(s.node()), field).map(r)
            : redis.send(Command.SADD, keys.online(s.user()), s.user()).map(r));
  }

  /** register.lua's {count, epoch, last id, group...}; a refusal is its count alone. */
  private Future<Registration> registerScript(String user, List<String> keyList, List<String> args) {
    return webhooks.told("user/" + user, webhooks.maxForSessions(), redis.script(RedisScript.REGISTER, keyList, args))
        .map(reply -> {
          int count = reply.get(0).toInteger();
          if (count < 0) {
            return new Registration(count);
          }
          List<String> groups = new ArrayList<>(reply.size() - 3);
          for (int i = 3; i < reply.size(); i++) {
            groups.add(reply.get(i).toString());
          }
          return new Registration(count, groups, Position.head(reply.get(1).toString(), reply.get(2).toString()));
        });
  }

  @Override
  public Future<Void> exclude(String user, long notBefore, long keepMillis) {
    return redis.script(RedisScript.EXCLUDE, List.of(keys.exclusion(user)),
        List.of(Long.toString(notBefore), Long.toString(keepMillis))).mapEmpty();
  }

  @Override
  public Future<Integer> unregister(SessionInfo s, int code) {
    return remove(s.user(), s.session(), "", s.node(), code, s.user() + "|" + s.session())
        .map(count -> count < 0 ? 1 : count);
  }

  /**
   * Removes a session from its user's sessions (only as incarnation {@code inc} registered it, unless empty);
   * the user's last one takes the user out of the online set, and {@code nodeField} (unless null: a sweep, which
   * moved the node's hash away) the session out of its node's hash. Where every key may be in one script,
   * unregister.lua does it all. On a cluster the online set lies in another slot than the sessions, so a session
   * registering meanwhile on another node could be overtaken: the count is read again after the removal, and a
   * user found with sessions goes back in; then the node's hash. Completes with the count, -1 if the session was
   * not there.
   */
  private Future<Integer> remove(String user, String session, String inc, String node, int code, String nodeField) {
    List<String> keyList = withWebhookKeys(user, keys.sessions(user));
    List<String> args = new ArrayList<>(List.of(session, inc, webhooks.maxForSessions(), webhooks.sessionTypes(), user,
        node, Long.toString(System.currentTimeMillis()), Integer.toString(code)));
    if (!keys.cluster()) {
      keyList.add(keys.online(user));
      if (nodeField != null) {
        keyList.add(keys.nodeSessions(node));
        args.add(nodeField);
      }
    }
    Future<Integer> removed = webhooks.told("user/" + user, webhooks.maxForSessions(),
        redis.script(RedisScript.UNREGISTER, keyList, args)).map(Response::toInteger);
    if (!keys.cluster()) {
      return removed;
    }
    Future<Integer> counted = removed.compose(count -> {
      if (count != 0) {
        return Future.succeededFuture(count);
      }
      return redis.send(Command.SREM, keys.online(user), user)
          .compose(v -> redis.send(Command.HLEN, keys.sessions(user)))
          .compose(left -> left.toInteger() == 0 ? Future.succeededFuture(0)
              : redis.send(Command.SADD, keys.online(user), user).map(left.toInteger()));
    });
    return nodeField == null ? counted
        : counted.compose(count -> redis.send(Command.HDEL, keys.nodeSessions(node), nodeField).map(count));
  }

  /** {@code first} keys, then the webhook's (register.lua, unregister.lua: in the user's slot). */
  private List<String> withWebhookKeys(String user, String... first) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(webhooks.keysFor("user/" + user));
    return all;
  }

  /** One SMISMEMBER per online set the users fall into (one on a standalone Redis). */
  @Override
  public Future<List<String>> online(Collection<String> users) {
    if (users.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Map<String, List<String>> bySet = new LinkedHashMap<>();
    for (String user : users) {
      bySet.computeIfAbsent(keys.online(user), k -> new ArrayList<>()).add(user);
    }
    List<Future<List<String>>> parts = new ArrayList<>();
    bySet.forEach((set, members) -> parts.add(redis.send(Command.SMISMEMBER, requestArgs(set, members)).map(flags -> {
      List<String> online = new ArrayList<>();
      for (int i = 0; i < members.size(); i++) {
        if (flags.get(i).toInteger() == 1) {
          online.add(members.get(i));
        }
      }
      return online;
    })));
    return Future.all(parts).map(all -> {
      Set<String> online = new HashSet<>();
      parts.forEach(p -> online.addAll(p.result()));
      return users.stream().filter(online::contains).toList();
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

  /** The count of every online set; a sample of up to {@code limit} users taken evenly from them. */
  @Override
  public Future<OnlineUsers> onlineUsers(int limit) {
    int buckets = keys.onlineBuckets();
    int each = (limit + buckets - 1) / buckets;
    List<Future<Response>> counts = new ArrayList<>();
    List<Future<Response>> samples = new ArrayList<>();
    for (int b = 0; b < buckets; b++) {
      counts.add(redis.send(Command.SCARD, keys.onlineBucket(b)));
      samples.add(redis.send(Command.SRANDMEMBER, keys.onlineBucket(b), each));
    }
    return Future.all(counts).compose(v -> Future.all(samples)).map(v -> {
      long total = counts.stream().mapToLong(c -> c.result().toLong()).sum();
      List<String> users = new ArrayList<>();
      samples.forEach(sample -> sample.result().forEach(r -> users.add(r.toString())));
      users.sort(null);
      return new OnlineUsers(users.subList(0, Math.min(limit, users.size())), total);
    });
  }

  @Override
  public Future<List<NodeInfo>> nodes() {
    return redis.send(Command.SMEMBERS, keys.nodes()).compose(ids -> {
      List<String> nodeIds = new ArrayList<>();
      ids.forEach(r -> nodeIds.add(r.toString()));
      if (nodeIds.isEmpty()) {
        return Future.succeededFuture(List.<NodeInfo>of());
      }
      // one GET per node: on a cluster each liveness key lies in its node's slot
      List<Future<Response>> values = nodeIds.stream().map(id -> redis.send(Command.GET, keys.nodeAlive(id))).toList();
      return Future.all(values).map(all -> {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < nodeIds.size(); i++) {
          Response value = values.get(i).result();
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

  /**
   * Refreshes the liveness and reports what the node owes since it last settled: a lapse or lost data found by
   * this refresh or an earlier one is reported again by every announcement until the sessions are back.
   */
  @Override
  public Future<Standing> announce() {
    return heartbeat().compose(v -> markDataset()).map(changed -> {
      synchronized (this) {
        if (changed) {
          owe(Standing.DATA_LOST);
        }
        announcedFindings = findings;
        return owed;
      }
    });
  }

  @Override
  public synchronized void settled() {
    if (findings == announcedFindings) {
      owed = Standing.KNOWN;
    }
  }

  private synchronized void owe(Standing standing) {
    findings++;
    if (standing.compareTo(owed) > 0) {
      owed = standing;
    }
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
   * lost it), which {@link #announce} reports, whichever refresh found it (the periodic one may run first
   * after an outage, and is the only one to find a lapse the link did not notice: a pause past NODE_TTL).
   */
  private Future<Void> heartbeat() {
    NodeInfo node = self.get();
    String value = node.address() + "|" + node.startedAt() + "|" + node.connections();
    return redis.send(Command.SET, keys.nodeAlive(nodeId), value, "PX", ttlMillis, "GET")
        .compose(previous -> {
          if (previous == null) {
            incarnation = Math.max(incarnation + 1, System.currentTimeMillis());
            if (running) {
              owe(Standing.LAPSED);
              lapsed.run();
            }
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

  /**
   * Sweeps a node's sessions; {@code ifDead}: only if its liveness is still gone when they are taken. The
   * sessions are taken in one script (the node's slot), then removed from their users' hashes a batch at a
   * time, each only as that node's incarnation registered it (a node that came back meanwhile keeps the
   * sessions it put back), and the node leaves the set of nodes. A sweep cut short is finished by the next.
   */
  private Future<Void> sweep(String node, boolean ifDead) {
    return redis.script(RedisScript.SWEEP, List.of(keys.nodeAlive(node), keys.nodeSessions(node), keys.sweptSessions(node)),
        List.of(ifDead ? "dead" : "always")).compose(taken -> {
          if (taken.size() == 0 && ifDead) {
            return Future.succeededFuture();
          }
          List<String[]> sessions = new ArrayList<>();
          for (int i = 0; i + 1 < taken.size(); i += 2) {
            String[] userSession = taken.get(i).toString().split("\\|", 2);
            sessions.add(new String[] {userSession[0], userSession[1], taken.get(i + 1).toString()});
          }
          return removeAll(node, sessions, 0)
              .compose(v -> redis.send(Command.DEL, keys.sweptSessions(node)))
              .compose(v -> node.equals(nodeId) ? Future.succeededFuture() : redis.send(Command.SREM, keys.nodes(), node))
              .map(v -> {
                metrics.registrySweep(node.equals(nodeId) ? "own" : "dead_node");
                if (!node.equals(nodeId)) {
                  LOG.log(Level.INFO, "swept the " + sessions.size() + " sessions of node " + node + " (liveness expired)");
                }
                return null;
              });
        });
  }

  /**
   * Removes {@code sessions} ({user, session, incarnation}) of {@code node}, gone, from {@code from} on, a batch at a
   * time; each closed with 1006, as its connection was.
   */
  private Future<Void> removeAll(String node, List<String[]> sessions, int from) {
    if (from >= sessions.size()) {
      return Future.succeededFuture();
    }
    List<Future<Void>> batch = new ArrayList<>();
    for (String[] s : sessions.subList(from, Math.min(sessions.size(), from + SWEEP_BATCH))) {
      batch.add(remove(s[0], s[1], s[2], node, ABNORMAL_CLOSURE, null).map(count -> {
        if (count == 0) {
          wentOffline.accept(s[0]);
        }
        return null;
      }));
    }
    return Future.all(batch).compose(v -> removeAll(node, sessions, from + SWEEP_BATCH));
  }
}
