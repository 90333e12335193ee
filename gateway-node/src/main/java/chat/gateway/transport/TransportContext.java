package chat.gateway.transport;

import chat.gateway.access.Permissions;
import chat.gateway.auth.Authenticator;
import chat.gateway.cluster.LocalFanout;
import chat.gateway.config.GatewayConfig;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.service.Chat;
import java.time.Clock;
import java.util.function.BooleanSupplier;

/**
 * What every connection of a node shares; built once per node. {@code refusing} is true while the node
 * takes no new clients: it is draining, or (cluster mode) its Redis link is not ready; {@code linkDown}
 * is true while that link is down (sessions stay, their requests are answered {@code unavailable});
 * {@code admission} bounds how many it takes at once and how fast.
 */
public record TransportContext(
    GatewayConfig config,
    Chat chat,
    Permissions permissions,
    LocalFanout fanout,
    Authenticator authenticator,
    GatewayMetrics metrics,
    Clock clock,
    BooleanSupplier refusing,
    BooleanSupplier linkDown,
    Admission admission) {

  public TransportContext withConfig(GatewayConfig other) {
    return new TransportContext(other, chat, permissions, fanout, authenticator, metrics, clock, refusing, linkDown, admission);
  }

  /** Deadlines are checked a few times per heartbeat and connect timeout, at most once per 50 ms. */
  public long tickMillis() {
    long shortest = Math.min(config.heartbeat().toMillis(), config.connectTimeout().toMillis());
    return Math.max(50, Math.min(1000, shortest / 4));
  }

  /** Largest history page in bytes: half the outbound queue, so one page cannot fill it. */
  public int historyPageBytes() {
    return Math.max(16 * 1024, Math.min(1024 * 1024, config.outboundQueueBytes() / 2));
  }
}
