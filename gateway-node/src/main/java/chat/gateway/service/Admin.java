package chat.gateway.service;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.Event;
import chat.gateway.registry.NodeInfo;
import chat.gateway.registry.SessionRegistry;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What the application and operators do to the cluster: disconnect (and ban) a user, drain a node, list the nodes. */
public final class Admin {
  /**
   * How long a disconnect keeps refusing the user's sessions that were connecting when it came: longer than
   * any connect takes (its timeout, plus a store's).
   */
  private static final long CONNECTING_WINDOW_MILLIS = 120_000;

  private final SessionRegistry registry;
  private final Broker broker;
  private final Clock clock;

  Admin(SessionRegistry registry, Broker broker, Clock clock) {
    this.registry = registry;
    this.broker = broker;
    this.clock = clock;
  }

  /**
   * Closes every session of {@code user} on every node with 4003, those still connecting included (the
   * registry refuses them), and keeps the user out for {@code ban} (zero: they may connect again at once).
   * Completes with the end of the ban (ms), or 0.
   */
  public Future<Long> disconnect(String user, Duration ban) {
    long now = clock.millis();
    long notBefore = now + ban.toMillis();
    return registry.exclude(user, notBefore, Math.max(ban.toMillis(), CONNECTING_WINDOW_MILLIS))
        .compose(v -> broker.publish(new Event.Control(Channel.user(user).name(), Event.Control.Kind.DISCONNECT, null)))
        .recover(Unavailable::of).map(v -> ban.isZero() ? 0L : notBefore);
  }

  /** Asks a live node to drain; fails with {@code not_found} for a node that is not live. */
  public Future<Void> drainNode(String nodeId) {
    return cluster().compose(nodes -> nodes.stream().anyMatch(n -> n.id().equals(nodeId))
        ? broker.requestDrain(nodeId).recover(Unavailable::of)
        : Future.failedFuture(new ProtocolException(ErrorCode.NOT_FOUND, "no live node " + nodeId)));
  }

  /** What a rebalance asked: the average connections per node, and who sheds how many. */
  public record Rebalanced(long average, Map<String, Integer> shed) {
  }

  /** Asks each node above the cluster's average to shed its excess over its drain window ({@link Rebalance}). */
  public Future<Rebalanced> rebalance() {
    return cluster().compose(nodes -> {
      Map<String, Integer> shed = Rebalance.plan(nodes);
      List<Future<Void>> asked = shed.entrySet().stream()
          .map(e -> broker.requestShed(e.getKey(), e.getValue())).toList();
      return Future.all(asked).recover(Unavailable::of).map(v -> new Rebalanced(Rebalance.average(nodes), shed));
    });
  }

  public Future<List<NodeInfo>> cluster() {
    return registry.nodes().recover(Unavailable::of);
  }
}
