package chat.gateway.registry;

import chat.gateway.message.Position;
import java.util.List;

/**
 * What {@link SessionRegistry#register} did: the user's session count after it ({@code 1}: they just came online;
 * {@code 0}: the session was registered already), or a refusal ({@link SessionRegistry#REFUSED_FULL},
 * {@link SessionRegistry#REFUSED_EXCLUDED}); and the user's groups as stored once the session was in, where the
 * registry reads them in the same step (on Redis, one script), else null (read them after); and where the user's own
 * channel stands, where the registry reads it in that step, else null: the start of what the node's gap repair
 * would fill ({@code LocalFanout#startAt}), read once the node has subscribed the channel.
 */
public record Registration(int count, List<String> groups, Position userHead) {

  /** A refusal, or a registration that read neither the groups nor the head. */
  public Registration(int count) {
    this(count, null, null);
  }

  public boolean refused() {
    return count < 0;
  }
}
