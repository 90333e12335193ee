package chat.gateway.access;

import chat.gateway.auth.Identity;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import java.util.Set;

/**
 * Decides every "may this user do this here", for a WebSocket session and the HTTP API alike: each check
 * returns, or throws the {@link ProtocolException} the client gets ({@code forbidden}, or {@code bad_request}
 * for a request that makes no sense on that kind of channel). {@code groups} are the groups the user's
 * session is subscribed to, its view of the memberships.
 *
 * <p>A group send is decided twice: here against the session's view, and by the store when it appends
 * ({@link Send#MEMBERSHIP_CHECKED_BY_STORE}), atomically with the append, since a leave made on another node
 * a moment ago may not have reached this session yet. The HTTP API is the application (its key), which
 * publishes as any user to any channel and reads any channel.
 *
 * <p><b>Open and closed groups.</b> Any signed-in user joins an open group ({@code OPEN_GROUPS}); a closed one
 * takes a grant, tried cheapest first, the first that holds wins: the groups the session's sign-in grants
 * (a token's {@code groups} claim), a join token in the join, a membership the application stored (it made
 * the user a member), and last the application's join hook, asked at the moment of the join. A grant that does not hold is no grant, never an error. A stored membership stays
 * whatever the grant was: it is what lets the member in again.
 */
public final class Permissions {
  /** Whether the membership store holds {@code user} in {@code group} now. */
  public interface StoredMemberships {
    Future<Boolean> isMember(String user, String group);
  }

  /** Whether a join token (signed with the sign-in keys) grants {@code user} {@code channel}. */
  public interface JoinTokens {
    Future<Boolean> grants(String token, String user, Channel channel);
  }

  /**
   * The application's join hook: completes when it lets {@code user} (in {@code session}) join the closed
   * {@code group}; fails {@code forbidden} (with the application's message) when not, {@code unavailable} when it
   * cannot be asked now.
   */
  public interface JoinHook {
    Future<Void> allows(String user, String group, String session);
  }

  private final NamePatterns openGroups;
  private final boolean presencePrivate;
  private final JoinTokens joinTokens;
  private final StoredMemberships stored;
  private final JoinHook joinHook;

  /** Everything open and public, as v1 was (dev sign-in's defaults). */
  public static Permissions open() {
    return new Permissions(NamePatterns.ALL, false, null, (user, group) -> Future.succeededFuture(false), null);
  }

  /**
   * @param joinTokens verifies join tokens (with the sign-in keys); null: none are accepted
   * @param joinHook   the application's join hook; null: none
   */
  public Permissions(NamePatterns openGroups, boolean presencePrivate, JoinTokens joinTokens,
                     StoredMemberships stored, JoinHook joinHook) {
    this.openGroups = openGroups;
    this.presencePrivate = presencePrivate;
    this.joinTokens = joinTokens;
    this.stored = stored;
    this.joinHook = joinHook;
  }

  /** A send that may go ahead, and whether the store checks the sender's membership as it appends. */
  public enum Send { MEMBERSHIP_CHECKED_BY_STORE, NO_MEMBERSHIP_NEEDED }

  /** A user's message to {@code to}: to a group they are in, to any user, to broadcast with role admin. */
  public Send send(Identity who, Channel to, Set<String> groups) {
    switch (to.kind()) {
      case GROUP -> {
        if (!groups.contains(to.id())) {
          throw new ProtocolException(ErrorCode.FORBIDDEN, "not a member of " + to.name());
        }
        return Send.MEMBERSHIP_CHECKED_BY_STORE;
      }
      case BROADCAST -> {
        if (!who.admin()) {
          throw new ProtocolException(ErrorCode.FORBIDDEN, "sending to broadcast needs role admin");
        }
        return Send.NO_MEMBERSHIP_NEEDED;
      }
      default -> {
        return Send.NO_MEMBERSHIP_NEEDED;
      }
    }
  }

  /** The application's publish (the HTTP API): as any user, to any channel. */
  public Send publishAsApplication(Channel to) {
    return Send.NO_MEMBERSHIP_NEEDED;
  }

  /**
   * A join by {@code session}, with its join token (null: none): completes with the group's id once granted; fails
   * {@code forbidden} for a closed group with no grant (or the join hook's refusal), {@code unavailable} when the
   * join hook is the only grant left and cannot answer, {@code bad_request} (thrown) for a channel that is not a
   * group (user and broadcast channels are every session's).
   */
  public Future<String> join(Identity who, String session, Channel channel, String joinToken) {
    String group = group(channel);
    if (openGroups.matches(group) || who.groups().matches(group)) {
      return Future.succeededFuture(group);
    }
    Future<Boolean> tokenGrants = joinToken == null || joinTokens == null ? Future.succeededFuture(false)
        : joinTokens.grants(joinToken, who.user(), channel);
    return tokenGrants.compose(granted -> granted ? Future.succeededFuture(true) : stored.isMember(who.user(), group))
        .compose(member -> {
          if (member) {
            return Future.succeededFuture(group);
          }
          if (joinHook != null) {
            return joinHook.allows(who.user(), group, session).map(group);
          }
          return Future.failedFuture(new ProtocolException(ErrorCode.FORBIDDEN, channel.name() + " is closed: joining"
              + " it takes a grant (the token's groups, a join token, or the application making you a member)"));
        });
  }

  /** A leave: of a group channel. The group's id. */
  public String leave(Identity who, Channel channel) {
    return group(channel);
  }

  /** History (guarantee 6: nothing from a channel the session is not entitled to): the user's own channel, their groups, broadcast. */
  public void history(Identity who, Channel channel, Set<String> groups) {
    entitled(who, channel, groups);
  }

  /**
   * (1.1) Typing and read markers: in a group the user is a member of (typing: may send to), or in a direct
   * conversation with another user; not on broadcast nor with oneself.
   */
  public void conversation(Identity who, Channel channel, Set<String> groups) {
    if (channel.isBroadcast() || channel.equals(Channel.user(who.user()))) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, "typing and read markers are for a group you are in or a "
          + "conversation with another user");
    }
    if (channel.isGroup()) {
      entitled(who, channel, groups);
    }
  }

  /**
   * Who is online: in the user's groups, and (unless {@code PRESENCE_PRIVATE}) of any user and of everyone
   * (broadcast); their own always.
   */
  public void presence(Identity who, Channel channel, Set<String> groups) {
    if (channel.isGroup()) {
      entitled(who, channel, groups);
    } else if (presencePrivate && !(channel.isUser() && channel.id().equals(who.user()))) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, "presence of " + channel.name() + " is private here");
    }
  }

  private static void entitled(Identity who, Channel channel, Set<String> groups) {
    boolean entitled = switch (channel.kind()) {
      case USER -> channel.id().equals(who.user());
      case GROUP -> groups.contains(channel.id());
      case BROADCAST -> true;
    };
    if (!entitled) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, channel.isGroup()
          ? "not a member of " + channel.name() : "only the user may read " + channel.name());
    }
  }

  private static String group(Channel channel) {
    if (!channel.isGroup()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST,
          "only group channels are joined and left; user and broadcast channels are automatic");
    }
    return channel.id();
  }
}
