package chat.gateway.service;

import chat.gateway.registry.Registration;
import chat.gateway.registry.SessionInfo;
import chat.gateway.registry.SessionRegistry;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import java.util.Collection;

/**
 * Sessions in the cluster's registry: registered at connect (within the user's cap, and not while they are
 * banned or being disconnected), taken out at the end; a user's first session makes them {@code online} in
 * their groups, their last {@code offline}.
 */
public final class Sessions {
  private final SessionRegistry registry;
  private final Memberships memberships;
  private final Presence presence;
  private final int sessionsPerUser;

  Sessions(SessionRegistry registry, Memberships memberships, Presence presence, int sessionsPerUser) {
    this.registry = registry;
    this.memberships = memberships;
    this.presence = presence;
    this.sessionsPerUser = sessionsPerUser;
  }

  /**
   * Registers a session; completes with the user's session count (1: they just came online, see
   * {@link #cameOnline}; 0: it was registered already), and maybe their groups ({@link Registration}). Fails with
   * {@code forbidden} when the user has as many sessions as they may, or is banned or was disconnected while this
   * session was connecting.
   */
  public Future<Registration> register(SessionInfo session) {
    return registry.register(session, sessionsPerUser).recover(Unavailable::of).compose(r -> {
      if (r.count() == SessionRegistry.REFUSED_FULL) {
        return Future.failedFuture(new ProtocolException(ErrorCode.FORBIDDEN,
            "too many sessions: a user may have " + sessionsPerUser + "; close one first"));
      }
      if (r.count() == SessionRegistry.REFUSED_EXCLUDED) {
        return Future.failedFuture(new ProtocolException(ErrorCode.FORBIDDEN, "disconnected by the server"));
      }
      return Future.succeededFuture(r);
    });
  }

  /**
   * {@link #register}, and the user's groups as they stand once the session is in: a join or leave made elsewhere
   * is either in them or told to the session's node. Read in the same step where the registry can (one round trip
   * on Redis), else right after.
   */
  public Future<Registration> start(SessionInfo session) {
    return register(session).compose(r -> r.groups() != null ? Future.succeededFuture(r)
        : memberships.groupsOf(session.user()).map(groups -> new Registration(r.count(), groups, r.userHead())));
  }

  /** Tells each of the user's groups that they came online (their first session). */
  public void cameOnline(String user, Collection<String> groups) {
    presence.announce(user, groups, "online");
  }

  /** {@link #start}, then {@link #cameOnline} in {@code groups} if it was the user's first session. */
  public Future<Registration> opened(SessionInfo session, Collection<String> groups) {
    return start(session).map(r -> {
      if (r.count() == 1) {
        cameOnline(session.user(), groups);
      }
      return r;
    });
  }

  /**
   * Unregisters a session that ended with close code {@code code}; the user's last session makes them
   * {@code offline} in each of their groups.
   */
  public Future<Void> closed(SessionInfo session, Collection<String> groups, int code) {
    return registry.unregister(session, code).recover(Unavailable::of).map(count -> {
      if (count == 0) {
        presence.announce(session.user(), groups, "offline");
      }
      return null;
    });
  }

  /** Tells the user's groups that they went offline (their last session was swept with a dead node). */
  public void wentOffline(String user) {
    memberships.groupsOf(user).onSuccess(groups -> presence.announce(user, groups, "offline"));
  }
}
