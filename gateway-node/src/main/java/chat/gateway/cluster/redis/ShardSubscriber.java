package chat.gateway.cluster.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import chat.gateway.redis.Reconnect;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The subscriber connection of one shard (the one Redis, or one primary of a Redis Cluster, with sharded
 * pub/sub): the topics this node wants from that shard, subscribed again whenever the connection comes back,
 * and the shard's canary. Confined to the broker's context.
 *
 * <p>vertx-redis-client neither reconnects nor resubscribes: when the connection ends, the {@link Listener}
 * hears of it, and this reconnects with capped exponential backoff and full jitter and subscribes every topic
 * again; the listener hears when all are confirmed. (Un)subscriptions asked for in one turn of the event loop
 * go out together, one command per slot on a cluster ({@code SSUBSCRIBE} takes the topics of one slot), one
 * command in all otherwise. A topic the shard stops serving (its slot migrated: Redis sends {@code sunsubscribe}
 * unasked, or answers {@code MOVED}) is dropped and reported ({@link Listener#evicted}).
 *
 * <p>Redis answers every topic of every (un)subscribe command, in the order sent. A topic subscribed, withdrawn
 * and asked for again before the first answer came has two subscribes in flight: only the answer to the last
 * one confirms it (the first comes before Redis has processed the unsubscribe, and what is published between
 * the two would not arrive). A subscription withdrawn before it was confirmed completes its waiters: nobody on
 * this node wants the topic any more, so there is nothing to wait for.
 */
final class ShardSubscriber {
  private static final System.Logger LOG = System.getLogger(ShardSubscriber.class.getName());
  private static final long BACKOFF_BASE_MS = 100;
  private static final int TOPICS_PER_COMMAND = 1_000;

  /** What the broker hears from a shard's subscriber, on its context. */
  interface Listener {
    void received(ShardSubscriber shard, String topic, String payload);

    /** Every topic is confirmed on a new connection. */
    void subscribed(ShardSubscriber shard);

    /** The connection dropped (or could not be made); what was published meanwhile was not received. */
    void lost(ShardSubscriber shard);

    /** The shard no longer serves {@code topic} (its slot moved): it is not subscribed here any more. */
    void evicted(ShardSubscriber shard, String topic);
  }

  private final Vertx vertx;
  private final Context context;
  private final Redis client;
  private final String address;
  private final boolean sharded;
  private final ToIntFunction<String> slotOf;
  private final Listener listener;
  private final Set<String> topics = new LinkedHashSet<>();
  private final Map<String, Promise<Void>> confirmations = new HashMap<>();
  /** Per topic, the subscribe commands sent on this connection whose answer has not come back. */
  private final Map<String, Integer> unanswered = new HashMap<>();
  /** Topics to (un)subscribe at the end of this turn, in the order asked: true to subscribe. */
  private final Map<String, Boolean> pending = new LinkedHashMap<>();
  /** Unsubscriptions asked for and not confirmed: any other {@code sunsubscribe} is the server's. */
  private final Set<String> leaving = new HashSet<>();
  private RedisConnection connection;
  private boolean subscribed;
  private boolean flushScheduled;
  private boolean closed;
  private int attempt;
  private String canaryTopic;
  private volatile long canaryReceivedAt;
  /** Send time of the oldest canary not back yet, or 0. */
  private volatile long outstandingSince;

  ShardSubscriber(Vertx vertx, Context context, Redis client, String address, boolean sharded,
                  ToIntFunction<String> slotOf, Listener listener) {
    this.vertx = vertx;
    this.context = context;
    this.client = client;
    this.address = address;
    this.sharded = sharded;
    this.slotOf = slotOf;
    this.listener = listener;
  }

  String address() {
    return address;
  }

  Set<String> topics() {
    return topics;
  }

  /** Subscribed, with every topic confirmed, since the last connect. */
  boolean subscribed() {
    return subscribed;
  }

  /**
   * Subscribed, a canary has come back since connecting, and none is overdue: the oldest canary still
   * outstanding was sent less than {@code timeoutMillis} ago. Measured from sends, not from the last receipt,
   * so a busy event loop that sends late does not make a healthy link look dead.
   */
  boolean healthy(long timeoutMillis) {
    long outstanding = outstandingSince;
    return subscribed && canaryReceivedAt > 0
        && (outstanding == 0 || System.currentTimeMillis() - outstanding < timeoutMillis);
  }

  boolean canaryBack() {
    return canaryReceivedAt > 0;
  }

  String canaryTopic() {
    return canaryTopic;
  }

  /** The topic this shard's canary goes round on (one of the topics). */
  void canaryTopic(String topic) {
    if (topic.equals(canaryTopic)) {
      return;
    }
    if (canaryTopic != null) {
      remove(canaryTopic);
    }
    canaryTopic = topic;
    outstandingSince = 0;
    add(topic);
  }

  /**
   * Drops the connection as lost when a canary has been out for {@code timeoutMillis}: it looks up but hears
   * nothing (a partition that drops this connection's packets sends no FIN or RST, and Redis's replies wait in
   * its buffers until the partition heals, if it keeps them that long). The node holds its channels, connects
   * again and fills the gap from history, instead of waiting deaf for TCP to give up. True if dropped.
   */
  boolean dropIfDeaf(long timeoutMillis) {
    RedisConnection c = connection;
    long outstanding = outstandingSince;
    long silentFor = System.currentTimeMillis() - outstanding;
    if (c == null || !subscribed || outstanding == 0 || silentFor < timeoutMillis) {
      return false;
    }
    lost(c, new java.util.concurrent.TimeoutException("no canary back for " + silentFor + " ms"));
    c.close(); // a connection that subscribed left the pool: closing it closes its socket
    return true;
  }

  /** A canary is about to be published: false when there is no point (not subscribed). */
  boolean canarySent() {
    if (connection == null || !subscribed || canaryTopic == null) {
      return false;
    }
    if (outstandingSince == 0) {
      outstandingSince = System.currentTimeMillis();
    }
    return true;
  }

  /** Adds a topic; completes when Redis confirmed it (fails if the connection is down now). */
  Future<Void> add(String topic) {
    topics.add(topic);
    if (connection == null) {
      return Future.failedFuture("the pub/sub connection to " + address + " is down");
    }
    Promise<Void> promise = confirmations.computeIfAbsent(topic, t -> Promise.promise());
    queue(topic, true);
    return promise.future();
  }

  void remove(String topic) {
    if (topics.remove(topic) && connection != null) {
      queue(topic, false);
    }
  }

  /** Connects (and reconnects, until {@link #close}) and subscribes every topic. */
  void start() {
    connect();
  }

  void close() {
    closed = true;
    subscribed = false;
    if (connection != null) {
      RedisConnection c = connection;
      connection = null;
      c.close();
    }
    confirmations.values().forEach(p -> p.tryFail("the pub/sub connection to " + address + " was closed"));
    confirmations.clear();
  }

  // ---- connection ---------------------------------------------------------------------------------

  private void connect() {
    client.connect().onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(Level.DEBUG, "pub/sub connection to " + address + " failed: " + ar.cause().getMessage());
        if (!closed) {
          listener.lost(this);
          reconnectLater();
        }
        return;
      }
      RedisConnection c = ar.result();
      if (closed) {
        c.close();
        return;
      }
      connection = c;
      c.handler(this::received);
      c.endHandler(v -> lost(c, null));
      c.exceptionHandler(e -> lost(c, e));
      pending.clear();
      leaving.clear();
      unanswered.clear();
      List<Future<Void>> all = new ArrayList<>();
      for (String topic : topics) {
        all.add(confirmations.computeIfAbsent(topic, t -> Promise.promise()).future());
        queue(topic, true);
      }
      Future.all(all).onSuccess(v -> {
        if (connection == c) {
          subscribed = true;
          attempt = 0;
          listener.subscribed(this);
        }
      }).onFailure(e -> {
        if (connection == c) {
          LOG.log(Level.WARNING, "could not subscribe on " + address + ": " + e.getMessage());
          c.close();
        }
      });
    });
  }

  private void lost(RedisConnection c, Throwable cause) {
    if (connection != c) {
      return;
    }
    connection = null;
    subscribed = false;
    pending.clear();
    unanswered.clear();
    outstandingSince = 0;
    canaryReceivedAt = 0;
    confirmations.values().forEach(p -> p.tryFail("the pub/sub connection to " + address + " was lost"));
    confirmations.clear();
    if (closed) {
      return;
    }
    LOG.log(Level.WARNING, "pub/sub connection to " + address + " lost" + (cause == null ? "" : ": " + cause.getMessage()));
    listener.lost(this);
    reconnectLater();
  }

  private void reconnectLater() {
    vertx.setTimer(Reconnect.delay(BACKOFF_BASE_MS, attempt++), id -> {
      if (!closed) {
        connect();
      }
    });
  }

  // ---- (un)subscribing ----------------------------------------------------------------------------

  private void queue(String topic, boolean subscribe) {
    if (!subscribe) {
      Promise<Void> waiting = confirmations.remove(topic);
      if (waiting != null) {
        waiting.tryComplete(); // withdrawn: see the class comment
      }
    }
    pending.remove(topic); // the last wish wins, in its new place
    pending.put(topic, subscribe);
    if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(v -> {
        flushScheduled = false;
        flush();
      });
    }
  }

  /** Sends what is pending: runs of one kind, grouped by slot on a cluster, a thousand topics a command at most. */
  private void flush() {
    RedisConnection c = connection;
    if (c == null || pending.isEmpty()) {
      pending.clear();
      return;
    }
    Map<String, List<String>> batches = new LinkedHashMap<>();
    pending.forEach((topic, subscribe) -> {
      String group = (subscribe ? "+" : "-") + (sharded ? slotOf.applyAsInt(topic) : 0);
      batches.computeIfAbsent(group, g -> new ArrayList<>()).add(topic);
    });
    pending.clear();
    batches.forEach((group, list) -> {
      boolean subscribe = group.charAt(0) == '+';
      for (int from = 0; from < list.size(); from += TOPICS_PER_COMMAND) {
        List<String> part = list.subList(from, Math.min(list.size(), from + TOPICS_PER_COMMAND));
        Request request = Request.cmd(subscribe ? (sharded ? Command.SSUBSCRIBE : Command.SUBSCRIBE)
            : (sharded ? Command.SUNSUBSCRIBE : Command.UNSUBSCRIBE));
        part.forEach(request::arg);
        if (subscribe) {
          part.forEach(topic -> unanswered.merge(topic, 1, Integer::sum));
        } else {
          leaving.addAll(part);
        }
        List<String> sent = List.copyOf(part);
        c.send(request).onFailure(e -> refused(c, sent, subscribe, e));
      }
    });
  }

  /** An (un)subscription Redis refused: MOVED (the slot is served elsewhere now), or the connection failing. */
  private void refused(RedisConnection c, List<String> sent, boolean subscribe, Throwable e) {
    if (!subscribe || connection != c) {
      return;
    }
    sent.forEach(this::answered); // a refused command is answered by its error, not by a push
    String message = e.getMessage() == null ? "" : e.getMessage();
    for (String topic : sent) {
      Promise<Void> p = confirmations.remove(topic);
      if (message.startsWith("MOVED") && topics.remove(topic)) {
        // resolved by the listener, which moves the topic where the slot is now
        if (p != null) {
          p.tryFail("the slot of " + topic + " is served elsewhere now");
        }
        listener.evicted(this, topic);
      } else if (p != null) {
        p.tryFail(e);
      }
    }
  }

  /** One subscribe command for {@code topic} was answered; true when it was the last one sent. */
  private boolean answered(String topic) {
    return unanswered.computeIfPresent(topic, (t, n) -> n == 1 ? null : n - 1) == null;
  }

  private void received(Response push) {
    if (push != null && push.type() == ResponseType.ERROR) {
      // an error where a push was due (a node of a cluster just formed, not serving yet: CLUSTERDOWN, LOADING):
      // it answers no subscription, so start over on a new connection
      LOG.log(Level.WARNING, "pub/sub connection to " + address + " answered " + push + "; connecting again");
      RedisConnection c = connection;
      if (c != null) {
        c.close();
      }
      return;
    }
    if (push == null || push.size() < 2) {
      return;
    }
    String kind = push.get(0).toString();
    String topic = push.get(1).toString();
    switch (kind) {
      case "subscribe", "ssubscribe" -> {
        if (answered(topic) && !Boolean.TRUE.equals(pending.get(topic))) {
          Promise<Void> promise = confirmations.remove(topic);
          if (promise != null) {
            promise.tryComplete();
          }
        }
      }
      case "unsubscribe" -> leaving.remove(topic);
      case "sunsubscribe" -> {
        if (!leaving.remove(topic) && topics.remove(topic)) {
          // not asked for: the slot of the topic migrated to another shard
          listener.evicted(this, topic);
        }
      }
      case "message", "smessage" -> {
        if (push.size() < 3) {
          return;
        }
        String payload = push.get(2).toString();
        if (topic.equals(canaryTopic)) {
          canaryReceivedAt = System.currentTimeMillis();
          outstandingSince = 0; // canaries come back in order: this one answers for every earlier one
        }
        listener.received(this, topic, payload);
      }
      default -> { }
    }
  }
}
