package chat.gateway.membership;

import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Stored group membership: a user stays a member until they leave, whatever node they connect to.
 * Changes are immediately visible to every later read on every node.
 */
public interface MembershipStore {

  /** Completes with true when the user was not a member before. */
  Future<Boolean> join(String user, String group);

  /** Completes with true when the user was a member. */
  Future<Boolean> leave(String user, String group);

  Future<List<String>> groupsOf(String user);

  Future<List<String>> members(String group);

  /** How many members each of {@code groups} has (0 for a group nobody is in), without listing them. */
  Future<Map<String, Long>> sizes(Collection<String> groups);
}
