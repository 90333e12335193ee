package chat.gateway.history;

import chat.gateway.message.Position;
import chat.gateway.message.StoredMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/** A page of history, oldest first; {@code more} when older messages exist before the first one. */
public record Page(List<StoredMessage> messages, boolean more) {

  /**
   * The page of messages before {@code before} (all if null), read from {@code newestFirst}: at most
   * {@code limit} messages and {@code maxBytes} of frames (at least one message, however large).
   */
  public static Page fromNewest(Iterator<StoredMessage> newestFirst, Position before, int limit, int maxBytes) {
    List<StoredMessage> page = new ArrayList<>();
    int bytes = 0;
    while (newestFirst.hasNext()) {
      StoredMessage m = newestFirst.next();
      if (before != null && m.position().compareTo(before) >= 0) {
        continue;
      }
      if (page.size() == limit || (bytes + m.frame().length > maxBytes && !page.isEmpty())) {
        Collections.reverse(page);
        return new Page(page, true);
      }
      page.add(m);
      bytes += m.frame().length;
    }
    Collections.reverse(page);
    return new Page(page, false);
  }
}
