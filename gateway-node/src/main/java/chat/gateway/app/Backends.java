package chat.gateway.app;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.LocalFanout;
import chat.gateway.cluster.NodeControl;
import chat.gateway.cluster.memory.MemoryBroker;
import chat.gateway.cluster.redis.RedisBroker;
import chat.gateway.redis.RedisCommands;
import chat.gateway.redis.RedisMemory;
import chat.gateway.config.ConfigException;
import chat.gateway.config.GatewayConfig;
import chat.gateway.config.RedisConfig;
import chat.gateway.history.HistoryStore;
import chat.gateway.history.MemoryDedupeStore;
import chat.gateway.history.MemoryHistoryStore;
import chat.gateway.history.MemoryReadStore;
import chat.gateway.history.ReadStore;
import chat.gateway.history.RedisHistoryStore;
import chat.gateway.history.RedisReadStore;
import chat.gateway.membership.MembershipStore;
import chat.gateway.membership.MemoryMembershipStore;
import chat.gateway.membership.RedisMembershipStore;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.registry.MemorySessionRegistry;
import chat.gateway.registry.NodeInfo;
import chat.gateway.registry.RedisSessionRegistry;
import chat.gateway.registry.SessionRegistry;
import chat.gateway.cluster.GapRepair;
import chat.gateway.webhook.EventSink;
import chat.gateway.webhook.MemoryWebhookQueue;
import chat.gateway.webhook.Recording;
import chat.gateway.webhook.RedisWebhookShards;
import chat.gateway.webhook.WebhookShards;
import chat.protocol.Channel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The storage and messaging seams of a node, chosen together: all in memory (embedded) or all on Redis
 * (cluster). Embedded, the stores record the webhook events in {@code events} as they change. {@code sweep} is the periodic housekeeping the backends need (expiry), run off the event loops.
 */
public record Backends(Broker broker, HistoryStore history, ReadStore reads, MembershipStore membership,
                       SessionRegistry sessions,
                       WebhookShards webhookEvents, Runnable sweep, Supplier<Future<Void>> start,
                       Supplier<Future<Void>> stop) {

  /** Everything in this process: one node is the whole cluster, and nothing survives a restart. */
  public static Backends memory(GatewayConfig config, Clock clock, LocalFanout fanout, GatewayMetrics metrics,
                                Supplier<NodeInfo> self, NodeControl control, MemoryWebhookQueue webhooks) {
    EventSink events = webhooks == null ? EventSink.NONE : webhooks;
    MemoryBroker broker = new MemoryBroker(fanout, config.nodeId(), control);
    MemoryDedupeStore dedupe = new MemoryDedupeStore(clock, config.dedupeTtl());
    MemoryReadStore[] reads = new MemoryReadStore[1]; // the membership store tells it of leaves
    MemoryMembershipStore membership = new MemoryMembershipStore(events, clock, (user, group) -> reads[0].left(user, group));
    MemorySessionRegistry sessions = new MemorySessionRegistry(self, clock, events);
    MemoryHistoryStore history = new MemoryHistoryStore(fanout, dedupe, membership::isMember, clock,
        config.historyMaxMessages(), config.historyMaxAge(), config.quotas().embeddedStoreBytes(), events,
        sessions::isOnline);
    reads[0] = new MemoryReadStore(history, membership::size);
    metrics.storeMemory("embedded", () -> history.storedBytes() + dedupe.estimatedBytes(),
        () -> config.quotas().embeddedStoreBytes());
    return new Backends(broker, history, reads[0], membership, sessions,
        webhooks == null ? null : () -> java.util.Map.of(0, webhooks), () -> {
      history.sweep();
      reads[0].sweep();
      dedupe.sweep();
      sessions.sweep();
    }, Future::succeededFuture, Future::succeededFuture);
  }

  /**
   * Everything on one Redis: any number of nodes sharing it behave as one. {@code link} is told when the
   * node loses and regains Redis ({@link LinkEvents}); {@code control} when another node asks this one to drain.
   */
  public static Backends redis(GatewayConfig config, Clock clock, Vertx vertx, LocalFanout fanout, GatewayMetrics metrics,
                               Supplier<NodeInfo> self, LinkEvents link, NodeControl control) {
    RedisConfig r = config.redis();
    RedisCommands commands = RedisCommands.of(vertx, r, config.nodeId(), config.eventLoops(), metrics);
    Recording webhooks = new Recording(config.webhooks(), commands);
    RedisBroker[] subscriber = new RedisBroker[1];
    HistoryStore history = new RedisHistoryStore(commands, () -> subscriber[0].available(), clock,
        config.historyMaxMessages(), config.historyMaxAge(), config.dedupeTtl(), webhooks);
    GapRepair repair = new GapRepair(fanout, history, metrics);
    // A user's channel gets its first listener from a session starting: its head is read with the session's
    // registration (register.lua, once the node is subscribed), not in a round trip of its own.
    fanout.onFirstListener(channel -> {
      if (!Channel.parse(channel).isUser()) {
        repair.track(channel);
      }
    });
    // Back after an outage: fill each channel's gap from history, then the node's own bookkeeping. A topic
    // that moved to another shard: fill its channel's gap.
    RedisBroker broker = new RedisBroker(vertx, commands, fanout, config.nodeId(), metrics, r.canaryInterval(),
        link.lost(), () -> repair.repair().compose(v -> link.back().get()), repair::repair, control);
    subscriber[0] = broker;
    RedisSessionRegistry sessions = new RedisSessionRegistry(vertx, commands, config.nodeId(), self, r.nodeTtl(),
        config.historyMaxAge(), metrics, link.wentOffline(), link.lapsed(), webhooks);
    RedisMemory memory = new RedisMemory(vertx, commands);
    metrics.storeMemory("redis", memory::used, memory::limit);
    return new Backends(broker, history, new RedisReadStore(commands, config.historyMaxAge(), config.historyMaxMessages()),
        new RedisMembershipStore(commands, webhooks, clock), sessions,
        config.webhooks().on() ? new RedisWebhookShards(commands, config.nodeId(), config.webhooks().maxBacklog()) : null, () -> { },
        () -> commands.start().compose(v -> broker.start()).compose(v -> sessions.start()).compose(v -> memory.start())
            .recover(e -> Future.failedFuture(new ConfigException(r.describe() + " cannot be used: " + e.getMessage()))),
        () -> sessions.stop().otherwise((Void) null).onComplete(v -> memory.stop()).compose(v -> broker.close())
            .compose(v -> commands.close()));
  }

  public Backends withHistory(HistoryStore other) {
    return new Backends(broker, other, reads, membership, sessions, webhookEvents, sweep, start, stop);
  }
}
