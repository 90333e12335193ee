package chat.gateway.service;

import chat.gateway.cluster.Broker;
import chat.gateway.config.GatewayConfig;
import chat.gateway.history.HistoryStore;
import chat.gateway.history.ReadStore;
import chat.gateway.hook.Hooks;
import chat.gateway.membership.MembershipStore;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.registry.SessionRegistry;
import java.time.Clock;
import java.util.function.Predicate;

/**
 * What a user can do, whichever door they come through (a WebSocket or the HTTP API), one service per
 * concern, built once per node over its stores and broker. Whether they may is
 * {@link chat.gateway.access.Permissions}'s to decide, before they get here.
 */
public record Chat(Messages messages, Memberships memberships, Presence presence, Typing typing, ReadMarkers reads,
                   Sessions sessions, Admin admin, UserQuotas quotas) {

  /** {@code watched}: whether this node receives a channel's events (presence answers are kept only for those). */
  public static Chat of(HistoryStore history, ReadStore reads, MembershipStore membership, SessionRegistry registry, Broker broker,
                        GatewayMetrics metrics, Clock clock, GatewayConfig config, Predicate<String> watched, Hooks hooks) {
    GatewayConfig.QuotaConfig q = config.quotas();
    UserQuotas quotas = new UserQuotas(q.newChannelsPerWindow(), q.bytesPerWindow(), q.window());
    Presence presence = new Presence(membership, registry, broker, clock, config.largeGroupMembers(), watched);
    Memberships memberships = new Memberships(membership, broker, presence, quotas, clock, q.groupsPerUser());
    return new Chat(new Messages(history, hooks, metrics, clock, quotas, config.maxMessageBytes()), memberships, presence,
        new Typing(broker), new ReadMarkers(reads, broker, metrics, config.receiptGroupMembers()), new Sessions(registry, memberships, presence, q.sessionsPerUser()), new Admin(registry, broker, clock), quotas);
  }

  /** Housekeeping: forgets quota windows that ended and presence answers past their age. */
  public void sweep(long now) {
    quotas.sweep(now);
    presence.sweep();
  }
}
