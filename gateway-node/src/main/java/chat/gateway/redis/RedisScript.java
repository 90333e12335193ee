package chat.gateway.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A Lua script from {@code resources/redis/NAME.lua}, called by its SHA-1. {@code durable}: its writes are
 * acknowledged to users, so its reply waits for replicas ({@code REDIS_WAIT_REPLICAS}).
 */
public record RedisScript(String name, String source, String sha, boolean durable) {

  private static RedisScript durable(String name) {
    RedisScript s = load(name);
    return new RedisScript(s.name, s.source, s.sha, true);
  }

  public static RedisScript load(String name) {
    try (InputStream in = RedisScript.class.getResourceAsStream("/redis/" + name + ".lua")) {
      if (in == null) {
        throw new IllegalStateException("missing script redis/" + name + ".lua");
      }
      String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
          .digest(source.getBytes(StandardCharsets.UTF_8)));
      return new RedisScript(name, source, sha, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
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

  /** Every script: each command connection loads them all before its first command. */
  public static final List<RedisScript> ALL = List.of(PUBLISH, SINCE, PAGE, HEAD, REGISTER, UNREGISTER, SWEEP,
      MEMBERSHIP, EXCLUDE);
}
