package chat.gateway.transport;

import chat.gateway.cluster.LocalFanout;
import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link Hub} per event loop that carries client sockets, created on first use. A socket's handlers
 * run on the event loop of its channel, which need not be the loop of the verticle whose server accepted
 * it (Vert.x assigns loops round-robin to every context, the Redis client's included), so a hub is chosen
 * by the loop the caller is on, never by verticle: everything a hub holds stays on one thread.
 */
public final class Hubs {
  private final Map<Thread, Hub> byLoop = new ConcurrentHashMap<>();
  private final LocalFanout fanout;
  private final Clock clock;
  private final long tickMillis;
  private final GatewayMetrics metrics;
  private final long memberBatchMillis;
  private final Admission admission;

  /** {@code admission} hears how late each loop runs (a late loop holds new sessions off). */
  public Hubs(LocalFanout fanout, Clock clock, long tickMillis, GatewayMetrics metrics, long memberBatchMillis,
              Admission admission) {
    this.fanout = fanout;
    this.clock = clock;
    this.tickMillis = tickMillis;
    this.metrics = metrics;
    this.memberBatchMillis = memberBatchMillis;
    this.admission = admission;
  }

  /** The hub of the calling event loop (call it from a socket's handler). */
  Hub current() {
    Thread loop = Thread.currentThread();
    Hub hub = byLoop.get(loop);
    if (hub == null) {
      Context context = Vertx.currentContext();
      if (context == null || !Context.isOnEventLoopThread()) {
        throw new IllegalStateException("hubs are used from event loops only");
      }
      hub = new Hub(context, fanout, new MemberBatches(context, memberBatchMillis), metrics, clock, tickMillis);
      byLoop.put(loop, hub);
      hub.start();
      Hub started = hub;
      long[] due = {System.nanoTime() + tickMillis * 1_000_000};
      context.owner().setPeriodic(tickMillis, id -> {
        long now = System.nanoTime();
        long late = Math.max(0, (now - due[0]) / 1_000_000);
        metrics.eventLoopDelay(late);
        admission.loopDelay(late);
        due[0] = now + tickMillis * 1_000_000;
        started.tick(clock.millis(), late);
      });
    }
    return hub;
  }

  public Collection<Hub> all() {
    return List.copyOf(byLoop.values());
  }
}
