package chat.gateway.service;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.Event;
import chat.gateway.membership.MembershipStore;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Collection;
import java.util.List;

/**
 * Who is in which group: joins and leaves, stored and told to the group ({@code joined}, {@code left}) and
 * to the user's other sessions, on every node (they subscribe or unsubscribe).
 */
public final class Memberships {
  private final MembershipStore membership;
  private final Broker broker;
  private final Presence presence;
  private final UserQuotas quotas;
  private final Clock clock;
  private final int groupsPerUser;

  Memberships(MembershipStore membership, Broker broker, Presence presence, UserQuotas quotas, Clock clock,
              int groupsPerUser) {
    this.membership = membership;
    this.broker = broker;
    this.presence = presence;
    this.quotas = quotas;
    this.clock = clock;
    this.groupsPerUser = groupsPerUser;
  }

  /**
   * Stores the membership {@code session} asked for; completes with whether it is new and whether the user has other
   * sessions to tell. Announce it with {@link #announceJoined}.
   * Fails with {@code forbidden} past the groups-per-user cap, and {@code rate_limited} past the user's
   * quota of channels.
   */
  public Future<MembershipStore.Joined> join(String user, String session, String group) {
    quotas.charge(user, Channel.group(group).name(), 0, clock.millis());
    return membership.join(user, group, groupsPerUser, session).recover(Unavailable::of);
  }

  /**
   * Tells the group that {@code user} joined, and (when {@code tellSessions}) the user's sessions on every node to
   * subscribe: needed only where the user may have a session that did not make the join (a session registered after
   * the join was stored reads it with the user's groups).
   */
  public void announceJoined(String user, String group, boolean tellSessions) {
    presence.changed(Channel.group(group).name());
    broker.publish(Event.Member.of(Channel.group(group).name(), user, "joined"));
    if (tellSessions) {
      broker.publish(new Event.Control(Channel.user(user).name(), Event.Control.Kind.SUBSCRIBE, group));
    }
  }

  /** A user's leave: the membership removed everywhere; fails with {@code not_found} when they were not a member. */
  public Future<Void> leave(String user, String group) {
    return remove(user, group).compose(removed -> removed ? Future.succeededFuture()
        : Future.failedFuture(new ProtocolException(ErrorCode.NOT_FOUND, "not a member of group/" + group)));
  }

  /**
   * The application makes {@code user} a member (the API): stored (within the groups-per-user cap, else
   * {@code forbidden}), told to the group and to the user's sessions on every node, which start receiving it.
   * Completes with true when it is new.
   */
  public Future<Boolean> add(String user, String group) {
    return membership.join(user, group, groupsPerUser, null).recover(Unavailable::of).map(joined -> {
      if (joined.added()) {
        announceJoined(user, group, joined.othersToTell());
      }
      return joined.added();
    });
  }

  /**
   * Removes the membership, and tells the group and the user's sessions on every node, which stop receiving
   * it; completes with whether there was one.
   */
  public Future<Boolean> remove(String user, String group) {
    return membership.leave(user, group).recover(Unavailable::of).onSuccess(removed -> {
      if (removed) {
        presence.changed(Channel.group(group).name());
        broker.publish(new Event.Control(Channel.user(user).name(), Event.Control.Kind.UNSUBSCRIBE, group));
        broker.publish(Event.Member.of(Channel.group(group).name(), user, "left"));
      }
    });
  }

  /** A page of {@code group}'s members in order, after {@code after} (null: from the first), and whether more follow. */
  public Future<MemberPage> members(String group, String after, int limit) {
    return membership.members(group).recover(Unavailable::of).map(all -> {
      List<String> sorted = all.stream().filter(u -> after == null || u.compareTo(after) > 0).sorted().toList();
      return new MemberPage(sorted.subList(0, Math.min(limit, sorted.size())), sorted.size() > limit);
    });
  }

  /** Members of a group, a page of them, and whether more follow. */
  public record MemberPage(List<String> members, boolean more) {
  }

  /** Writes back memberships a session knew, after Redis lost its data (no events: nothing changed for users). */
  public Future<Void> restore(String user, Collection<String> groups) {
    return Future.all(groups.stream().map(g -> membership.join(user, g, Integer.MAX_VALUE, null)).toList())
        .<Void>mapEmpty().recover(Unavailable::of);
  }

  public Future<List<String>> groupsOf(String user) {
    return membership.groupsOf(user).recover(Unavailable::of);
  }
}
