package chat.gateway.membership;

import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Stored group membership: a user stays a member until they leave, whatever node they connect to.
 * Changes are immediately visible to every later read on every node.
 */
public interface MembershipStore {

  /**
   * Completes with true when the user was not a member before; fails with {@code forbidden} (and changes
   * nothing) when the user is in {@code maxGroups} groups already.
   */
  Future<Boolean> join(String user, String group, int maxGroups);

  /** Completes with true when the user was a member. */
  Future<Boolean> leave(String user, String group);

  Future<List<String>> groupsOf(String user);

  /** Whether {@code user} is a member of {@code group} now. */
  Future<Boolean> member(String user, String group);

  Future<List<String>> members(String group);

  /** The refusal of a join past the cap. */
  static ProtocolException full(int maxGroups) {
    return new ProtocolException(ErrorCode.FORBIDDEN, "a user may be in at most " + maxGroups
        + " groups; leave one first");
  }

  /** How many members each of {@code groups} has (0 for a group nobody is in), without listing them. */
  Future<Map<String, Long>> sizes(Collection<String> groups);
}
