package chat.gateway.registry;

import java.util.List;

/**
 * What {@link SessionRegistry#register} did: the user's session count after it ({@code 1}: they just came online;
 * {@code 0}: the session was registered already), or a refusal ({@link SessionRegistry#REFUSED_FULL},
 * {@link SessionRegistry#REFUSED_EXCLUDED}); and the user's groups as stored once the session was in, where the
 * registry reads them in the same step (on Redis, one script), else null (read them after).
 */
public record Registration(int count, List<String> groups) {

  public boolean refused() {
    return count < 0;
  }
}
