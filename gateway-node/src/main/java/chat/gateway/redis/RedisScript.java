package chat.gateway.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Lua script from {@code resources/redis/NAME.lua} (with its {@link #includes}), called by its SHA-1. {@code durable}: its writes are
 * acknowledged to users, so its reply waits for replicas ({@code REDIS_WAIT_REPLICAS}).
 */
public record RedisScript(String name, String source, String sha, boolean durable) {
  private static final Pattern INCLUDE = Pattern.compile("(?m)^--! include ([a-z-]+)\n");


  private static RedisScript durable(String name) {
    RedisScript s = load(name);
    return new RedisScript(s.name, s.source, s.sha, true);
  }

  public static RedisScript load(String name) {
    try {
      String source = includes(resource(name + ".lua"));
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
          .digest(source.getBytes(StandardCharsets.UTF_8)));
      return new RedisScript(name, source, sha, false);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The source with each {@code --! include NAME} line replaced by {@code resources/redis/lib/NAME.lua} (its own
   * includes put in too), each library once, where it is first included: Redis runs each script alone, so what
   * several share (the age trim) is written once and put in each here.
   */
  static String includes(String source) {
    return includes(source, new HashSet<>());
  }

  private static String includes(String source, Set<String> included) {
    Matcher m = INCLUDE.matcher(source);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String lib = m.group(1);
      m.appendReplacement(out, included.add(lib)
          ? Matcher.quoteReplacement(includes(resource("lib/" + lib + ".lua"), included)) : "");
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String resource(String path) {
    try (InputStream in = RedisScript.class.getResourceAsStream("/redis/" + path)) {
      if (in == null) {
        throw new IllegalStateException("missing script redis/" + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Prints a script as Redis gets it (its includes put in), for benchmarks that load it themselves. */
  public static void main(String[] args) {
    System.out.print(load(args[0]).source());
  }

  public static final RedisScript PUBLISH = durable("publish");
  public static final RedisScript SINCE = load("since");
  public static final RedisScript PAGE = load("page");
  public static final RedisScript HEAD = load("head");
  public static final RedisScript REGISTER = load("register");
  public static final RedisScript UNREGISTER = load("unregister");
  public static final RedisScript SWEEP = load("sweep");
  public static final RedisScript MEMBERSHIP = durable("membership");
  public static final RedisScript EXCLUDE = load("exclude");
  public static final RedisScript MEMBER = durable("member");
  public static final RedisScript JOIN_LEAVE = durable("join-leave");
  public static final RedisScript WEBHOOK_OWN = load("webhook-own");
  public static final RedisScript READ = durable("read");
  public static final RedisScript UNREAD = load("unread");
  public static final RedisScript FIND = load("find");

  /** Every script: each command connection loads them all before its first command. */
  public static final List<RedisScript> ALL = List.of(PUBLISH, SINCE, PAGE, HEAD, REGISTER, UNREGISTER, SWEEP,
      MEMBERSHIP, EXCLUDE, MEMBER, JOIN_LEAVE, WEBHOOK_OWN, READ, UNREAD, FIND);
}
