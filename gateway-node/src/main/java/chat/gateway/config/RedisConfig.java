package chat.gateway.config;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Cluster mode settings.
 *
 * @param topology       what the nodes share: one Redis ({@code REDIS_URL}), a Redis Cluster
 *                       ({@code REDIS_CLUSTER_NODES}) or a primary followed through Sentinel
 *                       ({@code REDIS_SENTINELS})
 * @param endpoints      connection strings, password included: the Redis; the cluster nodes to start from
 *                       (seeds; the rest is discovered); or the sentinels
 * @param masterName     the primary's name under Sentinel ({@code REDIS_SENTINEL_MASTER}); null otherwise
 * @param keyPrefix      prefix of every key and topic
 * @param connectionsPerLoop command connections per event loop (per shard on a cluster), each pipelined and
 *                       keeping the order of what one session sends (the subscribers have their own)
 * @param timeout        longest wait for one command before the request fails with {@code unavailable}
 * @param nodeTtl        liveness of a node that stopped refreshing it; its sessions are swept after
 * @param canaryInterval how often the pub/sub canary is sent; three missed make the node unready
 * @param outageGrace    how long a node keeps its sessions while its link to Redis is down; then it sheds them
 * @param waitReplicas   replicas a write must reach before it is acknowledged ({@code WAIT}); -1: one when the
 *                       primary has replicas, none when it has none
 * @param waitTimeout    how long an acknowledgement waits for them; then the send is answered {@code unavailable}
 */
public record RedisConfig(Topology topology, List<String> endpoints, String masterName, String keyPrefix,
                          int connectionsPerLoop, Duration timeout, Duration nodeTtl, Duration canaryInterval,
                          Duration outageGrace, int waitReplicas, Duration waitTimeout) {
  public enum Topology { STANDALONE, CLUSTER, SENTINEL }

  /** The endpoints as an operator wrote them (no password), for messages. */
  public String describe() {
    String where = String.join(",", endpoints.stream().map(e -> e.replaceFirst("//[^@/]*@", "//")).toList());
    return switch (topology) {
      case STANDALONE -> "REDIS_URL=" + where;
      case CLUSTER -> "REDIS_CLUSTER_NODES=" + where;
      case SENTINEL -> "REDIS_SENTINELS=" + where + " (master " + masterName + ")";
    };
  }

  /** The Redis of REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (and their settings), or null: none (embedded). */
  static RedisConfig from(Settings s) {
    String url = s.secret("REDIS_URL");
    String clusterNodes = s.string("REDIS_CLUSTER_NODES", null);
    String sentinels = s.string("REDIS_SENTINELS", null);
    int given = (url == null ? 0 : 1) + (clusterNodes == null ? 0 : 1) + (sentinels == null ? 0 : 1);
    if (given == 0) {
      return null;
    }
    if (given > 1) {
      throw new ConfigException("set one of REDIS_URL (one Redis), REDIS_CLUSTER_NODES (a Redis Cluster) and "
          + "REDIS_SENTINELS (a primary under Sentinel), not several");
    }
    String password = s.secret("REDIS_PASSWORD");
    String user = s.string("REDIS_USER", null);
    if (user != null && password == null) {
      throw new ConfigException("REDIS_USER=" + user + " needs REDIS_PASSWORD (or REDIS_PASSWORD_FILE)");
    }
    String poolSize = s.string("REDIS_POOL_SIZE", null);
    if (poolSize != null) {
      throw new ConfigException("REDIS_POOL_SIZE=" + poolSize + " is no longer used: commands run on pipelined "
          + "connections held per event loop (which keeps each session's sends in order); set "
          + "REDIS_CONNECTIONS_PER_LOOP instead (default 1)");
    }
    Topology topology;
    List<String> endpoints;
    String masterName = null;
    if (url != null) {
      topology = Topology.STANDALONE;
      endpoints = List.of(withCredentials(url, user, password));
    } else if (clusterNodes != null) {
      topology = Topology.CLUSTER;
      endpoints = hostPorts("REDIS_CLUSTER_NODES", clusterNodes).stream()
          .map(h -> withCredentials("redis://" + h, user, password)).toList();
    } else {
      topology = Topology.SENTINEL;
      // Vert.x's Sentinel client signs in to the sentinels and to the primary they name with the same user
      endpoints = hostPorts("REDIS_SENTINELS", sentinels).stream()
          .map(h -> withCredentials("redis://" + h, user, password)).toList();
      masterName = s.string("REDIS_SENTINEL_MASTER", "mymaster");
    }
    String waitReplicas = s.string("REDIS_WAIT_REPLICAS", "auto");
    int wait;
    if (waitReplicas.equals("auto")) {
      wait = -1;
    } else {
      wait = s.integer("REDIS_WAIT_REPLICAS", 0, 0, 16);
    }
    return new RedisConfig(topology, endpoints, masterName, s.string("REDIS_KEY_PREFIX", "chat:"),
        s.integer("REDIS_CONNECTIONS_PER_LOOP", 1, 1, 16),
        s.duration("REDIS_TIMEOUT", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(1)),
        s.duration("NODE_TTL", Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMinutes(10)),
        s.duration("CANARY_INTERVAL", Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMinutes(1)),
        s.duration("REDIS_OUTAGE_GRACE", Duration.ofSeconds(60), Duration.ZERO, Duration.ofHours(24)),
        wait, s.duration("REDIS_WAIT_TIMEOUT", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(1)));
  }

  /** {@code url} with {@code user} (may be null: the default user) and {@code password} (null: none) in it. */
  private static String withCredentials(String url, String user, String password) {
    if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
      throw new ConfigException("REDIS_URL=" + url.replaceFirst("^(.*//)?[^@/]*@", "$1***@")
          + " must start with redis:// or rediss://");
    }
    if (password == null) {
      return url;
    }
    if (url.substring(url.indexOf("://") + 3).contains("@")) {
      throw new ConfigException("REDIS_PASSWORD is set and REDIS_URL carries credentials too: keep one");
    }
    int at = url.indexOf("://") + 3;
    String name = user == null ? "" : URLEncoder.encode(user, StandardCharsets.UTF_8);
    return url.substring(0, at) + name + ":" + URLEncoder.encode(password, StandardCharsets.UTF_8) + "@"
        + url.substring(at);
  }

  /** {@code host:port,host:port}, each checked. */
  private static List<String> hostPorts(String name, String value) {
    List<String> all = new ArrayList<>();
    for (String part : value.split(",")) {
      String hostPort = part.trim();
      int colon = hostPort.lastIndexOf(':');
      boolean valid = colon > 0 && colon < hostPort.length() - 1;
      if (valid) {
        try {
          int port = Integer.parseInt(hostPort.substring(colon + 1));
          valid = port > 0 && port < 65536;
        } catch (NumberFormatException e) {
          valid = false;
        }
      }
      if (!valid) {
        throw new ConfigException(name + "=" + value + ": each entry must be host:port (found '" + hostPort + "')");
      }
      all.add(hostPort);
    }
    return List.copyOf(all);
  }
}
