package chat.gateway.access;

import chat.gateway.auth.Identity;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
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
 */
public final class Permissions {

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

  /** A join: only group channels are joined (user and broadcast channels are every session's). The group's id. */
  public String join(Identity who, Channel channel) {
    return group(channel);
  }

  /** A leave: of a group channel. The group's id. */
  public String leave(Identity who, Channel channel) {
    return group(channel);
  }

  /** History (guarantee 6: nothing from a channel the session is not entitled to): the user's own channel, their groups, broadcast. */
  public void history(Identity who, Channel channel, Set<String> groups) {
    entitled(who, channel, groups);
  }

  /** Who is online: in the user's groups, of any user, of everyone (broadcast). */
  public void presence(Identity who, Channel channel, Set<String> groups) {
    if (!channel.isUser()) {
      entitled(who, channel, groups);
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
