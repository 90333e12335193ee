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
   * A join stored: whether the user was not a member before, and how many sessions the user had registered when it
   * was written besides the one that made it ({@code -1}: this store cannot tell).
   */
  record Joined(boolean added, int otherSessions) {
    /**
     * Whether the user may have other sessions, which must be told to subscribe. One registered after the join was
     * stored reads it with the user's groups (it registers first), so the count read with the write is enough.
     */
    public boolean othersToTell() {
      return otherSessions != 0;
    }
  }

  /**
   * Completes when stored ({@link Joined#added} false when the user was a member before), made by {@code session}
   * (null: by the application); fails with {@code forbidden} (and changes nothing) when the user is in
   * {@code maxGroups} groups already.
   */
  Future<Joined> join(String user, String group, int maxGroups, String session);

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
