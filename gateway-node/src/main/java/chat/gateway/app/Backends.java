package chat.gateway.app;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.LocalFanout;
import chat.gateway.cluster.memory.MemoryBroker;
import chat.gateway.config.GatewayConfig;
import chat.gateway.history.HistoryStore;
import chat.gateway.history.MemoryDedupeStore;
import chat.gateway.history.MemoryHistoryStore;
import chat.gateway.membership.MembershipStore;
import chat.gateway.membership.MemoryMembershipStore;
import chat.gateway.registry.MemorySessionRegistry;
import chat.gateway.registry.NodeInfo;
import chat.gateway.registry.SessionRegistry;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The storage and messaging seams of a node, chosen together: all in memory (embedded) or all on Redis
 * (cluster). {@code sweep} is the periodic housekeeping the backends need (expiry), run off the event loops.
 */
public record Backends(Broker broker, HistoryStore history, MembershipStore membership, SessionRegistry sessions,
                       Runnable sweep) {

  /** Everything in this process: one node is the whole cluster, and nothing survives a restart. */
  public static Backends memory(GatewayConfig config, Clock clock, LocalFanout fanout, Supplier<NodeInfo> self) {
    MemoryBroker broker = new MemoryBroker(fanout);
    MemoryDedupeStore dedupe = new MemoryDedupeStore(clock, config.dedupeTtl());
    MemoryHistoryStore history = new MemoryHistoryStore(broker, dedupe, clock, config.historyMaxMessages(),
        config.historyMaxAge());
    return new Backends(broker, history, new MemoryMembershipStore(), new MemorySessionRegistry(self), () -> {
      history.sweep();
      dedupe.sweep();
    });
  }

  public Backends withHistory(HistoryStore other) {
    return new Backends(broker, other, membership, sessions, sweep);
  }
}
