package chat.gateway.transport;

import chat.gateway.auth.Authenticator;
import chat.gateway.cluster.LocalFanout;
import chat.gateway.config.GatewayConfig;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.routing.ChatService;
import java.time.Clock;
import java.util.function.BooleanSupplier;

/** What every connection of a node shares; built once per node. */
public record TransportContext(
    GatewayConfig config,
    ChatService service,
    LocalFanout fanout,
    Authenticator authenticator,
    GatewayMetrics metrics,
    Clock clock,
    BooleanSupplier draining) {
  // draining: true while the node takes no new clients (draining, or not ready in cluster mode)

  public TransportContext withConfig(GatewayConfig other) {
    return new TransportContext(other, service, fanout, authenticator, metrics, clock, draining);
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
