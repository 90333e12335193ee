package chat.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The Redis users every local Redis of the tests runs with: {@code redis/users.conf} (and
 * {@code redis/sentinel-users.conf} for sentinels), as a deployment renders them, with the tests' passwords.
 * Nodes connect as {@link #GATEWAY}; fixtures and tests that look at Redis directly as {@link #ADMIN}.
 */
public final class RedisUsers {
  public static final String GATEWAY = "gateway";
  public static final String GATEWAY_PASSWORD = "test-gateway-password-0123456789abcdef";
  public static final String ADMIN = "admin";
  public static final String ADMIN_PASSWORD = "test-admin-password-0123456789abcdef";
  /** Every key and topic of the tests' nodes starts so (REDIS_KEY_PREFIX, {@link TestNode#newPrefix}). */
  public static final String KEY_PREFIX = "chat:";
  private static final String REPLICA_PASSWORD = "test-replica-password-0123456789abcdef";
  private static final String SENTINEL_PASSWORD = "test-sentinel-password-0123456789abcdef";

  private RedisUsers() {
  }

  /** The settings a node needs to sign in as the gateway user. */
  public static Map<String, String> nodeSettings() {
    return Map.of("REDIS_USER", GATEWAY, "REDIS_PASSWORD", GATEWAY_PASSWORD);
  }

  /** redis/users.conf rendered into {@code dir}; its path, to give redis-server first. */
  public static Path dataNode(Path dir) {
    return render("redis/users.conf", dir.resolve("users.conf"), null);
  }

  /** redis/sentinel-users.conf rendered for a sentinel watching {@code master}; its lines. */
  public static String sentinel(Path dir, String master) {
    try {
      return Files.readString(render("redis/sentinel-users.conf", dir.resolve("sentinel-users.conf"), master));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code template} rendered by redis/render-users.sh, as compose and scripts/cluster.sh render it. */
  private static Path render(String template, Path target, String master) {
    Tools.Result rendered = Tools.run(List.of("sh", "redis/render-users.sh", template), null, Map.of(
        "KEY_PREFIX", KEY_PREFIX, "GATEWAY_PASSWORD", GATEWAY_PASSWORD, "ADMIN_PASSWORD", ADMIN_PASSWORD,
        "REPLICA_PASSWORD", REPLICA_PASSWORD, "SENTINEL_PASSWORD", SENTINEL_PASSWORD,
        "MASTER_NAME", master == null ? "mymaster" : master));
    if (rendered.exit() != 0) {
      throw new IllegalStateException("redis/render-users.sh " + template + " failed: " + rendered.output());
    }
    try {
      Files.createDirectories(target.getParent());
      return Files.writeString(target, rendered.output());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
