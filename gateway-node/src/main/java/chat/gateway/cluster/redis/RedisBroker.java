package chat.gateway.cluster.redis;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.Event;
import chat.gateway.cluster.LocalFanout;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.redis.RedisCommands;
import chat.gateway.redis.RedisKeys;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * {@link Broker} on Redis pub/sub. One dedicated subscriber connection per node carries: the topic of
 * every channel some local session is in (subscribed while there is one: groups, the users of the node's
 * sessions, whose topics carry their direct messages and control events), {@code broadcast}, and this
 * node's own topic (drain requests and the canary). Events of one channel arrive in the order Redis
 * published them.
 *
 * <p>vertx-redis-client neither reconnects nor resubscribes a subscriber connection: when it ends, this
 * class holds back every channel's live events ({@link LocalFanout#holdAll}) and calls {@code onLost}
 * (the node keeps its sessions), reconnects with capped exponential backoff and full jitter, subscribes
 * every topic again, and runs {@code onResubscribed} (the node fills the gap from history and releases
 * what was held). Healthy means subscribed, repaired, and no canary published to our own topic is overdue
 * (see {@link #healthy}).
 *
 * <p>All state is confined to one event-loop context.
 */
public final class RedisBroker implements Broker {
  private static final System.Logger LOG = System.getLogger(RedisBroker.class.getName());
  private static final long BACKOFF_BASE_MS = 100;
  /** As the command pipelines: a node is back within about two seconds of Redis, however long it was away. */
  private static final long BACKOFF_CAP_MS = 2_000;
  private static final int TOPICS_PER_COMMAND = 1_000;

  private final Vertx vertx;
  private final Context context;
  private final RedisCommands commands;
  private final RedisKeys keys;
  private final LocalFanout fanout;
  private final String nodeId;
  private final GatewayMetrics metrics;
  private final long canaryMillis;
  private final Runnable onLost;
  private final Supplier<Future<Void>> onResubscribed;
  /** Set when the link was lost; cleared once {@code onResubscribed} has filled the gap. */
  private volatile boolean repairing;
  private final Runnable onDrainRequest;
  private final Set<String> topics = new LinkedHashSet<>();
  private final Map<String, Promise<Void>> confirmations = new HashMap<>();
  /** Topics to (un)subscribe at the end of this turn, all of {@link #pendingKind}. */
  private final List<String> pending = new ArrayList<>();
  private Command pendingKind = Command.SUBSCRIBE;
  private boolean flushScheduled;
  private RedisConnection subscriber;
  private int attempt;
  private boolean closed;
  private long canaryTimer;
  private volatile boolean subscribed;
  private volatile long canaryReceivedAt;
  /** Send time of the oldest canary not back yet, or 0. */
  private volatile long outstandingSince;
  private final long canaryTimeoutMillis;
  private final Promise<Void> firstCanary = Promise.promise();

  public RedisBroker(Vertx vertx, RedisCommands commands, LocalFanout fanout, String nodeId, GatewayMetrics metrics,
                     Duration canaryInterval, Runnable onLost, Supplier<Future<Void>> onResubscribed,
                     Runnable onDrainRequest) {
    this.onResubscribed = onResubscribed;
    this.onDrainRequest = onDrainRequest;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.commands = commands;
    this.keys = commands.keys();
    this.fanout = fanout;
    this.nodeId = nodeId;
    this.metrics = metrics;
    this.canaryMillis = canaryInterval.toMillis();
    this.canaryTimeoutMillis = Math.max(2_000, 3 * canaryMillis);
    this.onLost = onLost;
    topics.add(keys.nodeTopic(nodeId));
    fanout.bind(this);
    metrics.gauge("chat_pubsub_up", "1 while the pub/sub connection is subscribed and its canary comes back",
        () -> healthy() ? 1 : 0);
  }

  /**
   * Connects, subscribes, and completes once the first canary came back through pub/sub, so that a node
   * listens only when it is ready. Fails when Redis cannot be reached at start.
   */
  public Future<Void> start() {
    Promise<Void> started = Promise.promise();
    context.runOnContext(v -> {
      canaryTimer = vertx.setPeriodic(canaryMillis, id -> sendCanary());
      connect().compose(c -> firstCanary.future()).onComplete(started);
    });
    return started.future().timeout(Math.max(10_000, 10 * canaryMillis), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * Subscribed, a canary has come back since connecting, and none is overdue: the oldest canary still
   * outstanding was sent less than three intervals (at least 2 s) ago. Measured from sends, not from
   * the last receipt, so a busy event loop that sends late does not make a healthy link look dead.
   */
  @Override
  public boolean healthy() {
    long outstanding = outstandingSince;
    return subscribed && !repairing && canaryReceivedAt > 0
        && (outstanding == 0 || System.currentTimeMillis() - outstanding < canaryTimeoutMillis);
  }

  @Override
  public Future<Void> publish(Event.Signal signal) {
    return commands.send(Command.PUBLISH, keys.topic(signal.channel()), EventCodec.encode(signal)).mapEmpty();
  }

  @Override
  public Future<Void> requestDrain(String node) {
    return commands.send(Command.PUBLISH, keys.nodeTopic(node), EventCodec.drain(node)).mapEmpty();
  }

  @Override
  public Future<Void> subscribe(String channel) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      String topic = keys.topic(channel);
      topics.add(topic);
      if (subscriber == null) {
        done.fail("the pub/sub connection is down");
        return;
      }
      subscribeAll(List.of(topic)).onComplete(done);
    });
    return done.future();
  }

  @Override
  public Future<Void> unsubscribe(String channel) {
    context.runOnContext(v -> {
      String topic = keys.topic(channel);
      if (topics.remove(topic) && subscriber != null) {
        queue(Command.UNSUBSCRIBE, topic);
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      closed = true;
      subscribed = false;
      vertx.cancelTimer(canaryTimer);
      if (subscriber != null) {
        subscriber.close();
        subscriber = null;
      }
      done.complete();
    });
    return done.future();
  }

  // ---- connection lifecycle (on context) ----------------------------------------------------------

  private Future<Void> connect() {
    return commands.client().connect().compose(connection -> {
      if (closed) {
        connection.close();
        return Future.succeededFuture();
      }
      subscriber = connection;
      connection.handler(this::received);
      connection.endHandler(v -> lost(connection, null));
      connection.exceptionHandler(e -> lost(connection, e));
      List<String> all = new ArrayList<>(topics);
      all.add(keys.topic("broadcast"));
      for (String channel : fanout.channels()) {
        all.add(keys.topic(channel));
      }
      topics.addAll(all);
      return subscribeAll(List.copyOf(topics)).onSuccess(v -> {
        subscribed = true;
        attempt = 0;
        sendCanary();
        if (repairing) {
          repair(connection);
        }
      });
    });
  }

  /** Subscribes and completes when Redis confirmed every topic (the client completes on write only). */
  private Future<Void> subscribeAll(List<String> wanted) {
    List<Future<Void>> confirmed = new ArrayList<>();
    for (String topic : wanted) {
      Promise<Void> promise = confirmations.computeIfAbsent(topic, t -> Promise.promise());
      confirmed.add(promise.future());
      queue(Command.SUBSCRIBE, topic);
    }
    return Future.all(confirmed).mapEmpty();
  }

  /**
   * Queues a (un)subscription of {@code topic}; what is queued goes out at the end of this turn of the event
   * loop, each run of one kind as one command of up to {@value #TOPICS_PER_COMMAND} topics, in the order
   * given. A user in a thousand groups connecting, or leaving the node, costs a command or two, not a
   * thousand.
   */
  private void queue(Command kind, String topic) {
    if (pendingKind != kind && !pending.isEmpty()) {
      flush();
    }
    pendingKind = kind;
    pending.add(topic);
    if (pending.size() >= TOPICS_PER_COMMAND) {
      flush();
    } else if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(v -> {
        flushScheduled = false;
        flush();
      });
    }
  }

  private void flush() {
    if (pending.isEmpty()) {
      return;
    }
    List<String> batch = List.copyOf(pending);
    pending.clear();
    if (subscriber == null) {
      return; // the next connection subscribes every topic anyway
    }
    Request request = Request.cmd(pendingKind);
    batch.forEach(request::arg);
    if (pendingKind == Command.SUBSCRIBE) {
      subscriber.send(request).onFailure(e -> batch.forEach(t -> {
        Promise<Void> p = confirmations.remove(t);
        if (p != null) {
          p.tryFail(e);
        }
      }));
    } else {
      subscriber.send(request);
    }
  }

  private void received(Response push) {
    if (push == null || push.size() < 3) {
      return;
    }
    String kind = push.get(0).toString();
    if (kind.equals("subscribe")) {
      Promise<Void> promise = confirmations.remove(push.get(1).toString());
      if (promise != null) {
        promise.tryComplete();
      }
      return;
    }
    if (!kind.equals("message")) {
      return;
    }
    String payload = push.get(2).toString();
    if (payload.startsWith("K|")) {
      metrics.pubsubReceived("canary");
      canaryReturned(payload);
      return;
    }
    if (payload.startsWith("D|")) {
      metrics.pubsubReceived("control");
      LOG.log(Level.INFO, "drain requested through the cluster");
      onDrainRequest.run();
      return;
    }
    try {
      Event event = EventCodec.decode(payload);
      if (event != null) {
        metrics.pubsubReceived(event instanceof Event.Message ? "message"
            : event instanceof Event.Member ? "member" : "control");
        fanout.dispatch(event);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "undecodable pub/sub payload on " + push.get(1), e);
    }
  }

  private void lost(RedisConnection connection, Throwable cause) {
    if (connection != subscriber) {
      return;
    }
    subscriber = null;
    subscribed = false;
    pending.clear(); // the next connection subscribes every topic
    outstandingSince = 0;
    canaryReceivedAt = 0;
    confirmations.values().forEach(p -> p.tryFail("the pub/sub connection was lost"));
    confirmations.clear();
    if (closed) {
      return;
    }
    LOG.log(Level.WARNING, "pub/sub connection lost" + (cause == null ? "" : ": " + cause.getMessage()));
    metrics.pubsubReconnect();
    repairing = true;
    fanout.holdAll();
    onLost.run();
    reconnectLater();
  }

  /** Fills the gap while {@code connection} stays the subscriber; retries with backoff when history cannot be read. */
  private void repair(RedisConnection connection) {
    onResubscribed.get().onComplete(ar -> context.runOnContext(v -> {
      if (connection != subscriber) {
        return; // lost again meanwhile: the next connection repairs
      }
      if (ar.succeeded()) {
        repairing = false;
        LOG.log(Level.INFO, "pub/sub is back and the gap is filled");
        return;
      }
      LOG.log(Level.WARNING, "could not fill the gap yet: " + ar.cause().getMessage());
      long delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS << Math.min(attempt++, 16));
      vertx.setTimer(Math.max(1, delay), id -> {
        if (connection == subscriber) {
          repair(connection);
        }
      });
    }));
  }

  private void reconnectLater() {
    long ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS << Math.min(attempt, 16));
    long delay = ThreadLocalRandom.current().nextLong(ceiling + 1);
    attempt++;
    vertx.setTimer(Math.max(1, delay), id -> connect().onFailure(e -> {
      if (subscriber != null) {
        RedisConnection half = subscriber;
        subscriber = null;
        half.close();
      }
      reconnectLater();
    }));
  }

  // ---- canary --------------------------------------------------------------------------------------

  private void sendCanary() {
    if (subscriber == null || !subscribed) {
      return;
    }
    if (outstandingSince == 0) {
      outstandingSince = System.currentTimeMillis();
    }
    commands.send(Command.PUBLISH, keys.nodeTopic(nodeId), EventCodec.canary(nodeId, System.nanoTime()));
  }

  private void canaryReturned(String payload) {
    canaryReceivedAt = System.currentTimeMillis();
    outstandingSince = 0; // canaries come back in order: this one answers for every earlier one
    firstCanary.tryComplete();
    long sentAt = Long.parseLong(payload.substring(payload.lastIndexOf('|') + 1));
    metrics.canaryRoundTrip(System.nanoTime() - sentAt);
  }
}
