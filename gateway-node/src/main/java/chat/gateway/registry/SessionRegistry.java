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

  Future<Integer> register(SessionInfo session);

  Future<Integer> unregister(SessionInfo session);

  /** Those of {@code users} who have at least one live session, in the order given. */
  Future<List<String>> online(Collection<String> users);

  /** Up to {@code limit} users with a live session, and how many there are in all. */
  Future<OnlineUsers> onlineUsers(int limit);

  Future<List<NodeInfo>> nodes();

  /**
   * Refreshes this node's liveness now (cluster mode), after an outage; true if the node was still known
   * (its liveness had not expired, so no sweep took its sessions out and Redis kept its data), false if
   * its sessions must be put back. The refresh comes first so that a sweep cannot take them out again.
   */
  default Future<Boolean> announce() {
    return Future.succeededFuture(true);
  }

  record OnlineUsers(List<String> users, long total) {
  }
}
