package chat.gateway.access;

import chat.protocol.Channel;
import chat.protocol.Ids;
import chat.protocol.ProtocolException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Names given one by one ({@code team}), by prefix ({@code public.*}), or all of them ({@code *}): groups by id,
 * as {@code OPEN_GROUPS} lists them and a token's {@code groups} claim grants them, or channels by name, as
 * {@code PUBLISH_HOOK_CHANNELS} lists them ({@code group/*}, {@code user/*}, {@code broadcast}).
 */
public final class NamePatterns {
  public static final NamePatterns NONE = new NamePatterns(List.of(), List.of());
  public static final NamePatterns ALL = new NamePatterns(List.of(), List.of(""));

  private final List<String> ids;
  private final List<String> prefixes;

  private NamePatterns(List<String> ids, List<String> prefixes) {
    this.ids = ids;
    this.prefixes = prefixes;
  }

  /**
   * {@code patterns}: each a group id, or a prefix of one (its characters) followed by {@code *}. Throws
   * {@link IllegalArgumentException} naming the first that is neither.
   */
  public static NamePatterns of(List<String> patterns) {
    return of(patterns, Ids::valid, Ids::valid, "a group id");
  }

  /** Comma-separated group patterns ({@link #of}); blank: none. */
  public static NamePatterns parse(String list) {
    return of(split(list));
  }

  /**
   * Comma-separated channel patterns: a channel name ({@code group/dev}, {@code user/alice}, {@code broadcast}),
   * or a prefix of one followed by {@code *} ({@code group/*}, {@code group/public.*}); blank: none.
   */
  public static NamePatterns channels(String list) {
    return of(split(list), NamePatterns::channel, prefix -> !prefix.isEmpty() && !prefix.contains("*"), "a channel name");
  }

  private static NamePatterns of(List<String> patterns, Predicate<String> name, Predicate<String> prefix, String what) {
    List<String> ids = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    for (String pattern : patterns) {
      if (pattern.endsWith("*") && (pattern.length() == 1 || prefix.test(pattern.substring(0, pattern.length() - 1)))) {
        prefixes.add(pattern.substring(0, pattern.length() - 1));
      } else if (name.test(pattern)) {
        ids.add(pattern);
      } else {
        throw new IllegalArgumentException("'" + pattern + "' is neither " + what + " nor a prefix ending in *");
      }
    }
    return ids.isEmpty() && prefixes.isEmpty() ? NONE : new NamePatterns(List.copyOf(ids), List.copyOf(prefixes));
  }

  private static List<String> split(String list) {
    List<String> patterns = new ArrayList<>();
    for (String part : list.split(",")) {
      if (!part.isBlank()) {
        patterns.add(part.trim());
      }
    }
    return patterns;
  }

  private static boolean channel(String name) {
    try {
      Channel.parse(name);
      return true;
    } catch (ProtocolException e) {
      return false;
    }
  }

  public boolean matches(String name) {
    if (ids.contains(name)) {
      return true;
    }
    for (String prefix : prefixes) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  public boolean isEmpty() {
    return ids.isEmpty() && prefixes.isEmpty();
  }
}
