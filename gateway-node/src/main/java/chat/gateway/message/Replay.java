package chat.gateway.message;

import java.util.List;

/**
 * The answer to "what came after this position": messages after it, oldest first ({@code recovered}), or
 * {@code recovered=false} with no messages when that cannot be guaranteed. A replay is read in pages
 * bounded by bytes: {@code more} says that messages follow the last one, to be read after it.
 */
public record Replay(boolean recovered, List<StoredMessage> messages, boolean more) {
  public static final Replay NOT_RECOVERED = new Replay(false, List.of(), false);

  /** A complete replay (nothing follows). */
  public Replay(boolean recovered, List<StoredMessage> messages) {
    this(recovered, messages, false);
  }

  /** The position to read the next page after: the last message's, or {@code after} when there is none. */
  public Position next(Position after) {
    return messages.isEmpty() ? after : messages.get(messages.size() - 1).position();
  }
}
