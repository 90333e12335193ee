package chat.gateway.history;

import java.util.List;

/** A page of history, oldest first; {@code more} when older messages exist before the first one. */
public record Page(List<StoredMessage> messages, boolean more) {
}
