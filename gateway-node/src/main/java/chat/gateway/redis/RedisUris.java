package chat.gateway.redis;

/** The parts of a connection string ({@code redis://[user:password@]host:port}) a node reuses for other nodes. */
final class RedisUris {
  private RedisUris() {
  }

  /** {@code user:password@} (or {@code :password@}), or "" when there are none. */
  static String credentials(String connectionString) {
    String rest = connectionString.substring(connectionString.indexOf("://") + 3);
    return rest.contains("@") ? rest.substring(0, rest.indexOf('@') + 1) : "";
  }

  /** {@code host:port}. */
  static String hostPort(String connectionString) {
    String rest = connectionString.substring(connectionString.indexOf("://") + 3);
    return rest.substring(rest.indexOf('@') + 1);
  }
}
