package chat.gateway.access;

import chat.protocol.Ids;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups named by id ({@code team}), by prefix ({@code public.*}), or all of them ({@code *}): what
 * {@code OPEN_GROUPS} lists, and what a token's {@code groups} claim grants.
 */
public final class GroupPatterns {
  public static final GroupPatterns NONE = new GroupPatterns(List.of(), List.of());
  public static final GroupPatterns ALL = new GroupPatterns(List.of(), List.of(""));

  private final List<String> ids;
  private final List<String> prefixes;

  private GroupPatterns(List<String> ids, List<String> prefixes) {
    this.ids = ids;
    this.prefixes = prefixes;
  }

  /**
   * {@code patterns}: each a group id, or a prefix of one (its characters) followed by {@code *}. Throws
   * {@link IllegalArgumentException} naming the first that is neither.
   */
  public static GroupPatterns of(List<String> patterns) {
    List<String> ids = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    for (String pattern : patterns) {
      if (pattern.endsWith("*") && (pattern.length() == 1 || Ids.valid(pattern.substring(0, pattern.length() - 1)))) {
        prefixes.add(pattern.substring(0, pattern.length() - 1));
      } else if (Ids.valid(pattern)) {
        ids.add(pattern);
      } else {
        throw new IllegalArgumentException("'" + pattern + "' is neither a group id nor a prefix ending in *");
      }
    }
    return ids.isEmpty() && prefixes.isEmpty() ? NONE : new GroupPatterns(List.copyOf(ids), List.copyOf(prefixes));
  }

  /** Comma-separated patterns ({@link #of}); blank: none. */
  public static GroupPatterns parse(String list) {
    List<String> patterns = new ArrayList<>();
    for (String part : list.split(",")) {
      if (!part.isBlank()) {
        patterns.add(part.trim());
      }
    }
    return of(patterns);
  }

  public boolean matches(String group) {
    if (ids.contains(group)) {
      return true;
    }
    for (String prefix : prefixes) {
      if (group.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  public boolean isEmpty() {
    return ids.isEmpty() && prefixes.isEmpty();
  }
}
