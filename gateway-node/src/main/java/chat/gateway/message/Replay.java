package chat.gateway.message;

import java.util.List;

/**
 * The answer to "what came after this position": either every message after it, oldest first
 * ({@code recovered}), or {@code recovered=false} with no messages when that cannot be guaranteed.
 */
public record Replay(boolean recovered, List<StoredMessage> messages) {
  public static final Replay NOT_RECOVERED = new Replay(false, List.of());
}
