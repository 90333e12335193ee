package chat.protocol.client;

import chat.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * (1.1) Messages as a reader sees them: history and live messages carry every version of a message (the first, its
 * edits, its deletion); this folds them into one message per first version, in the order of the first versions, with
 * the latest edit's body, or erased ({@code deleted}, no body) once deleted.
 */
public final class Versions {
  private Versions() {
  }

  /** A message as shown: its first version's id, position, sender and time, the latest body, whether edited. */
  public record Shown(ServerFrame.Message first, Object body, boolean edited, boolean deleted) {
  }

  public static List<Shown> latest(List<ServerFrame.Message> messages) {
    Map<String, Shown> shown = new LinkedHashMap<>();
    for (ServerFrame.Message m : messages) {
      if (m.replaces() != null) {
        Shown before = shown.get(m.replaces());
        if (before != null && !before.deleted()) {
          shown.put(m.replaces(), new Shown(before.first(), m.body(), true, m.deleted()));
        }
      } else if (m.deletes() != null) {
        Shown before = shown.get(m.deletes());
        if (before != null) {
          shown.put(m.deletes(), new Shown(before.first(), null, before.edited(), true));
        }
      } else {
        shown.put(m.id(), new Shown(m, m.deleted() ? null : m.body(), false, m.deleted()));
      }
    }
    return new ArrayList<>(shown.values());
  }
}
