package chat.gateway.service;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.Event;
import chat.gateway.membership.MembershipStore;
import chat.gateway.registry.SessionRegistry;
import chat.protocol.Channel;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;

/**
 * Who is online: the answer to {@code presence} (a group's kept while no member event of it reaches this
 * node, {@link PresenceCache}), and the {@code online} / {@code offline} member events of a user's groups.
 */
public final class Presence {
  /** Longest list of names in a presence answer; {@code members} still counts everyone. */
  public static final int LIST_LIMIT = 1000;

  /** Who is online in a channel; {@code large}: a group too large to list, {@code members} is its count alone. */
  public record View(List<String> online, long members, boolean large) {
    View(List<String> online, long members) {
      this(online, members, false);
    }
  }

  private final MembershipStore membership;
  private final SessionRegistry registry;
  private final Broker broker;
  private final PresenceCache cache;
  private final long largeGroupMembers;

  Presence(MembershipStore membership, SessionRegistry registry, Broker broker, Clock clock, long largeGroupMembers,
           Predicate<String> watched) {
    this.membership = membership;
    this.registry = registry;
    this.broker = broker;
    this.cache = new PresenceCache(watched, clock);
    this.largeGroupMembers = largeGroupMembers;
  }

  /** Who is online in {@code channel}; asking again about a group costs nothing until something changed. */
  public Future<View> of(Channel channel) {
    Future<View> view = switch (channel.kind()) {
      case USER -> registry.online(List.of(channel.id())).map(online -> new View(online, 1));
      case BROADCAST -> registry.onlineUsers(LIST_LIMIT).map(o -> new View(o.users(), o.total()));
      case GROUP -> cache.get(channel.name(), () -> group(channel.id()));
    };
    return view.recover(Unavailable::of);
  }

  /** A member event of {@code channel} reached this node, or was made here: a kept answer of it is stale. */
  public void changed(String channel) {
    cache.changed(channel);
  }

  /** Forgets answers past their age. */
  void sweep() {
    cache.sweep();
  }

  /**
   * Tells each of {@code groups} that {@code user} went online or offline, except groups of more than
   * {@code largeGroupMembers}: there a status event would go to thousands of members each time anyone comes
   * or goes, so only joined and left are sent.
   */
  void announce(String user, Collection<String> groups, String status) {
    if (groups.isEmpty()) {
      return;
    }
    groups.forEach(g -> cache.changed(Channel.group(g).name()));
    membership.sizes(groups).onSuccess(sizes -> sizes.forEach((group, size) -> {
      if (size <= largeGroupMembers) {
        broker.publish(Event.Member.of(Channel.group(group).name(), user, status));
      }
    }));
  }

  private Future<View> group(String group) {
    return membership.sizes(List.of(group)).compose(sizes -> {
      long size = sizes.getOrDefault(group, 0L);
      if (size > largeGroupMembers) {
        return Future.succeededFuture(new View(List.of(), size, true));
      }
      return membership.members(group).compose(members -> registry.online(members)
          .map(online -> new View(online.stream().sorted().limit(LIST_LIMIT).toList(), members.size())));
    });
  }
}
