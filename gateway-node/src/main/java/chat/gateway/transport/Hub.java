package chat.gateway.transport;

import chat.gateway.cluster.ChannelListener;
import chat.gateway.cluster.Event;
import chat.gateway.cluster.LocalFanout;
import chat.gateway.message.Position;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.registry.SessionRegistry;
import chat.protocol.Channel;
import chat.protocol.CloseCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The connections of one event loop and the channels they are in. Confined to that event loop: every
 * method runs on {@link #context()}. The first connection of a channel registers this hub with the
 * node's {@link LocalFanout}, the last one unregisters it.
 */
public final class Hub implements ChannelListener {
  private static final long DRAIN_TICK_MS = 100;
  /** A tick's heartbeat pings go out in this many batches over the time to the next tick. */
  private static final int PING_SLICES = 10;
  private static final System.Logger LOG = System.getLogger(Hub.class.getName());
  private final Context context;
  private final LocalFanout fanout;
  private final Set<ClientConnection> all = new LinkedHashSet<>();
  private final Map<String, List<ClientConnection>> users = new HashMap<>();
  private final Map<String, Set<ClientConnection>> groups = new HashMap<>();
  private final MemberBatches memberBatches;
  private final Flusher flusher;
  private final GatewayMetrics metrics;
  private final Clock clock;
  private final Pacer<ClientConnection> pings;
  /** Unregisters that failed while the link to Redis was down, retried when it is back. */
  private final List<Supplier<Future<Void>>> pendingUnregisters = new ArrayList<>();
  /** Sum of this loop's tick lateness so far (see {@link #responsiveMillis}). */
  private long lateMillis;

  /** @param tickMillis the time between two {@link #tick}s */
  public Hub(Context context, LocalFanout fanout, MemberBatches memberBatches, GatewayMetrics metrics, Clock clock,
             long tickMillis) {
    this.context = context;
    this.fanout = fanout;
    this.memberBatches = memberBatches;
    this.metrics = metrics;
    this.clock = clock;
    this.flusher = new Flusher(((io.vertx.core.internal.ContextInternal) context).nettyEventLoop());
    this.pings = new Pacer<>(PING_SLICES, Math.max(1, tickMillis / PING_SLICES),
        (delay, action) -> context.owner().setTimer(delay, id -> action.run()), Hub::ping);
  }

  /** Flushes this loop's sockets once per turn. */
  Flusher flusher() {
    return flusher;
  }

  /** Starts receiving broadcasts; completes once they flow. */
  public Future<Void> start() {
    return fanout.add(Channel.BROADCAST.name(), this);
  }

  /** Whether the caller runs on this hub's event loop, where all its state lives (checked with -ea). */
  private boolean onLoop() {
    return ((io.vertx.core.internal.ContextInternal) context).nettyEventLoop().inEventLoop();
  }

  @Override
  public Context context() {
    return context;
  }

  void attach(ClientConnection connection) {
    all.add(connection);
  }

  /** Adds an authenticated connection to its user channel; completes when that flows. */
  Future<Void> subscribeSession(ClientConnection connection, String user) {
    assert onLoop() : "a hub's sessions changed off its event loop";
    List<ClientConnection> sessions = users.computeIfAbsent(user, u -> new ArrayList<>(1));
    sessions.add(connection);
    return sessions.size() == 1 ? fanout.add(Channel.user(user).name(), this) : Future.succeededFuture();
  }

  Future<Void> subscribeGroup(ClientConnection connection, String group) {
    return subscribeGroups(connection, List.of(group));
  }

  /**
   * Where {@code user}'s channel stood once this node subscribed it ({@code Registration.userHead}): the start of
   * what gap repair fills for it ({@link LocalFanout#startAt}).
   */
  void userChannelStartsAt(String user, Position head) {
    fanout.startAt(Channel.user(user).name(), head);
  }

  /** Where {@code channel} stands as this node receives it, or null when not known ({@link LocalFanout#liveHead}). */
  Position liveHead(String channel) {
    return fanout.liveHead(channel);
  }

  /** Adds {@code connection} to {@code userGroups}, subscribing the node to those new here together. */
  Future<Void> subscribeGroups(ClientConnection connection, Collection<String> userGroups) {
    assert onLoop() : "a hub's groups changed off its event loop";
    List<String> channels = new ArrayList<>(userGroups.size());
    for (String group : userGroups) {
      groups.computeIfAbsent(group, g -> new LinkedHashSet<>()).add(connection);
      channels.add(Channel.group(group).name());
    }
    return fanout.addAll(channels, this);
  }

  void unsubscribeGroup(ClientConnection connection, String group) {
    unsubscribeGroups(connection, List.of(group));
  }

  private void unsubscribeGroups(ClientConnection connection, Collection<String> userGroups) {
    assert onLoop() : "a hub's groups changed off its event loop";
    List<String> emptied = new ArrayList<>();
    for (String group : userGroups) {
      Set<ClientConnection> members = groups.get(group);
      if (members != null && members.remove(connection) && members.isEmpty()) {
        groups.remove(group);
        emptied.add(Channel.group(group).name());
      }
    }
    if (!emptied.isEmpty()) {
      fanout.removeAll(emptied, this);
    }
  }

  /** Forgets a closed connection everywhere. */
  void detach(ClientConnection connection, String user, Collection<String> userGroups) {
    assert onLoop() : "a hub's connections changed off its event loop";
    all.remove(connection);
    if (user != null) {
      List<ClientConnection> sessions = users.get(user);
      if (sessions != null && sessions.remove(connection) && sessions.isEmpty()) {
        users.remove(user);
        fanout.remove(Channel.user(user).name(), this);
      }
    }
    unsubscribeGroups(connection, userGroups);
  }

  @Override
  public void deliver(Event event) {
    Channel channel = Channel.parse(event.channel());
    if (event instanceof Event.Told told) {
      deliverTold(channel, told);
      return;
    }
    switch (channel.kind()) {
      case BROADCAST -> deliver(all, event);
      case USER -> {
        List<ClientConnection> sessions = users.get(channel.id());
        if (sessions != null) {
          deliver(List.copyOf(sessions), event);
        }
      }
      case GROUP -> {
        Set<ClientConnection> members = groups.get(channel.id());
        if (members == null) {
          return;
        }
        if (event instanceof Event.Member member) {
          deliverMember(channel.id(), members, member);
        } else {
          deliver(members, event);
        }
      }
    }
  }

  /** Typing and read receipts: to the channel's sessions on this loop but those skipped; nothing waits or replays. */
  private void deliverTold(Channel channel, Event.Told told) {
    Collection<ClientConnection> sessions = channel.kind() == Channel.Kind.GROUP ? groups.get(channel.id())
        : channel.kind() == Channel.Kind.USER ? users.get(channel.id()) : null;
    if (sessions == null) {
      return;
    }
    String kind = told instanceof Event.Typing ? "typing" : "read";
    for (ClientConnection connection : List.copyOf(sessions)) {
      if (!told.skips(connection.identity().user(), connection.sessionId())) {
        connection.out().shared(told.frame(), kind, null);
      }
    }
  }

  /** A member event: its own frame to each session that did not ask for batches, into the batch for the rest. */
  private void deliverMember(String group, Set<ClientConnection> members, Event.Member member) {
    boolean batched = false;
    for (ClientConnection connection : members) {
      if (connection.wantsMemberBatches()) {
        batched = true;
      } else {
        deliver(connection, member, null);
      }
    }
    if (batched) {
      memberBatches.add(member, () -> groups.get(group));
    }
  }

  /**
   * A message or member event goes to every connection as one frame encoded once ({@link WireFrames}),
   * flushed as soon as all have it; the messages written are counted once for all of them.
   */
  private void deliver(Collection<ClientConnection> connections, Event event) {
    byte[] json = event instanceof Event.Message m ? m.message().frame()
        : event instanceof Event.Member m ? m.frame() : null;
    ByteBuf wire = json == null || connections.isEmpty() ? null : WireFrames.text(ByteBufAllocator.DEFAULT, json);
    int written = 0;
    try {
      for (ClientConnection connection : connections) {
        if (deliver(connection, event, wire)) {
          written++;
        }
      }
    } finally {
      if (wire != null) {
        wire.release();
      }
      flusher.flushNow();
    }
    if (event instanceof Event.Message m) {
      metrics.delivered(m.message().ts(), clock.millis(), written);
    }
  }

  /** One connection's failure must not cost the others their copy. */
  private static boolean deliver(ClientConnection connection, Event event, ByteBuf wire) {
    try {
      return connection.deliver(event, wire);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "delivery to one connection failed", e);
      connection.close(CloseCode.INTERNAL, "internal error");
      return false;
    }
  }

  /**
   * Heartbeats and deadlines of every connection. {@code lateMillis} is how late this tick runs: time the
   * loop could not read its sockets, which the connections' deadlines do not count (see
   * {@link #responsiveMillis}). The connections due for a ping are pinged in batches spread until the next
   * tick ({@link Pacer}).
   */
  void tick(long now, long lateMillis) {
    this.lateMillis += Math.max(0, lateMillis);
    long responsive = responsiveMillis(now);
    List<ClientConnection> due = new ArrayList<>();
    for (ClientConnection c : List.copyOf(all)) {
      if (c.tick(responsive)) {
        due.add(c);
      }
    }
    pings.addAll(due);
  }

  /** One batch of heartbeat pings: each connection gets a duplicate of one ping frame. */
  private static void ping(List<ClientConnection> batch) {
    ByteBuf ping = WireFrames.ping(ByteBufAllocator.DEFAULT);
    try {
      for (ClientConnection c : batch) {
        c.ping(ping);
      }
    } finally {
      ping.release();
    }
  }

  /**
   * The clock the connections' deadlines run on: {@code now} less the time this loop has run late, so
   * silence from a client while the node itself could not read counts for nothing.
   */
  long responsiveMillis(long now) {
    return now - lateMillis;
  }

  /**
   * Closes every connection with 4100, in equal batches every {@value #DRAIN_TICK_MS} ms spread over
   * {@code windowMillis}, so that clients reconnecting elsewhere do not arrive all at once. Completes
   * when the last connection is closed.
   */
  public Future<Void> drain(long windowMillis) {
    return drain(windowMillis, "server draining; reconnect with resume", () -> true);
  }

  /**
   * As {@link #drain(long)}, with {@code reason} in the close frames, and stopping (completed) as soon as
   * {@code goOn} is false: a node shedding its sessions during a Redis outage stops when Redis is back.
   */
  public Future<Void> drain(long windowMillis, String reason, BooleanSupplier goOn) {
    return closeOverWindow(-1, windowMillis, reason, goOn);
  }

  /**
   * Closes {@code count} of this loop's connections (the oldest) with 4100 over {@code windowMillis}, the rest staying
   * open, for a rebalance: their clients reconnect, and the load balancer sends some to other nodes.
   */
  public Future<Void> shed(int count, long windowMillis) {
    return closeOverWindow(count, windowMillis, "rebalancing the cluster; reconnect with resume", () -> true);
  }

  /** Closes {@code count} connections (-1: all), in equal batches every {@value #DRAIN_TICK_MS} ms over the window. */
  private Future<Void> closeOverWindow(int count, long windowMillis, String reason, BooleanSupplier goOn) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      int[] left = {count < 0 ? all.size() : Math.min(count, all.size())};
      long ticks = Math.max(1, windowMillis / DRAIN_TICK_MS);
      int perTick = (int) Math.max(1, (left[0] + ticks - 1) / ticks);
      // a drain ends when every connection is gone, a shed once its count is closing (or nothing is left to close)
      BooleanSupplier finished = count < 0 ? all::isEmpty
          : () -> left[0] <= 0 || all.stream().allMatch(ClientConnection::closing);
      Runnable closeSome = () -> left[0] -= closeBatch(count < 0 ? perTick : Math.min(perTick, left[0]), reason);
      closeSome.run();
      if (finished.getAsBoolean()) {
        done.tryComplete();
        return;
      }
      context.owner().setPeriodic(DRAIN_TICK_MS, id -> {
        if (!goOn.getAsBoolean()) {
          context.owner().cancelTimer(id);
          done.tryComplete();
          return;
        }
        closeSome.run();
        if (finished.getAsBoolean()) {
          context.owner().cancelTimer(id);
          done.tryComplete();
        }
      });
    });
    return done.future();
  }

  /** Connections on this loop (read off the loop: as of a moment ago). */
  public int connections() {
    return all.size();
  }

  /** Closes every connection of this loop now. */
  public void closeAll(CloseCode code, String reason) {
    List.copyOf(all).forEach(c -> c.close(code, reason));
  }

  /** Closes up to {@code count} connections not closing yet; how many. */
  private int closeBatch(int count, String reason) {
    List<ClientConnection> closing = all.stream().filter(c -> !c.closing()).limit(count).toList();
    closing.forEach(c -> c.close(CloseCode.DRAINING, reason));
    return closing.size();
  }

  /**
   * After an outage: retries the unregisters that failed meanwhile, and brings every open session of this
   * loop up to date with the stores ({@link ClientConnection#catchUpWithStores}). Completes when all are
   * written.
   */
  public Future<Void> registerAgain(SessionRegistry.Standing standing) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      List<Future<Void>> writes = new ArrayList<>();
      List<Supplier<Future<Void>>> unregisters = List.copyOf(pendingUnregisters);
      pendingUnregisters.clear();
      for (Supplier<Future<Void>> unregister : unregisters) {
        writes.add(unregister.get().onFailure(e -> unregisterLater(unregister)));
      }
      all.forEach(c -> writes.add(c.catchUpWithStores(standing)));
      Future.all(writes).<Void>mapEmpty().onComplete(done);
    });
    return done.future();
  }

  /**
   * A session that closed while Redis could not be reached: {@code unregister} is retried by
   * {@link #registerAgain} once the link is back. At most one per session that was open here.
   */
  void unregisterLater(Supplier<Future<Void>> unregister) {
    context.runOnContext(v -> pendingUnregisters.add(unregister));
  }
}
