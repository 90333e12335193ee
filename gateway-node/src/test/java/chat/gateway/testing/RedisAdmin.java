package chat.gateway.testing;

/** A test's own way into the Redis its nodes use (one Redis, or a cluster: then by the key's slot). */
public interface RedisAdmin {
  /** Runs a command (on a cluster, on the primary of its key, {@code args[1]}); its parsed reply ({@link Resp}). */
  Object call(String... args);
}
