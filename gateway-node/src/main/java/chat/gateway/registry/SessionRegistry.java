package chat.gateway.registry;

import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;

/**
 * Which sessions are live, of which users, on which nodes. Counts returned by register/unregister are
 * the user's sessions across the cluster after the change, so "1 after register" means the user just came
 * online and "0 after unregister" that they went offline. Registering a session that is registered
 * already (a node putting its sessions back after an outage) changes nothing and returns 0. Sessions of a node that died leave the registry
 * once its liveness expires (cluster mode).
 */
public interface SessionRegistry {
  /** {@link #register} refused: the user has as many sessions as they may. */
  int REFUSED_FULL = -1;
  /** {@link #register} refused: the user is excluded ({@link #exclude}) for this session. */
  int REFUSED_EXCLUDED = -2;

  /**
   * Adds a session, unless the user has {@code maxSessions} already ({@link #REFUSED_FULL}) or is excluded
   * for a session that began connecting at {@link SessionInfo#connectedAt} ({@link #REFUSED_EXCLUDED}). Where it
   * can in the same step, it also reads the user's groups as they stand once the session is in.
   */
  Future<Registration> register(SessionInfo session, int maxSessions);

  /**
   * Refuses, from now on, every session of {@code user} that began connecting before {@code notBefore} (ms):
   * those racing a disconnect, and until a ban ends every new one. Kept for {@code keepMillis} at least; an
   * exclusion in force is never shortened.
   */
  Future<Void> exclude(String user, long notBefore, long keepMillis);

  /** {@code code}: the close code the session ended with (its {@code session} webhook event tells it). */
  Future<Integer> unregister(SessionInfo session, int code);

  /** Those of {@code users} who have at least one live session, in the order given. */
  Future<List<String>> online(Collection<String> users);

  /** Up to {@code limit} users with a live session, and how many there are in all. */
  Future<OnlineUsers> onlineUsers(int limit);

  Future<List<NodeInfo>> nodes();

  /** What a node finds when it comes back after an outage ({@link #announce}). */
  enum Standing {
    /** Its liveness had not expired: no sweep took its sessions out. */
    KNOWN,
    /** Its liveness expired: its sessions must be put back. */
    LAPSED,
    /** Redis lost its data (restarted empty): sessions and the memberships they know must be put back. */
    DATA_LOST
  }

  /**
   * Refreshes this node's liveness now (cluster mode), after an outage, and tells what the node must put back:
   * what it found, now or earlier, since it last {@link #settled}. The refresh comes first so that a sweep
   * cannot take the sessions out again.
   */
  default Future<Standing> announce() {
    return Future.succeededFuture(Standing.KNOWN);
  }

  /** The node put back what the last {@link #announce} reported (unless more was found since). */
  default void settled() {
  }

  record OnlineUsers(List<String> users, long total) {
  }
}
