package chat.gateway.config;

import chat.gateway.access.NamePatterns;
import chat.protocol.Ids;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Everything a node is told at start, immutable. Every field has a default (see {@link #fromEnv} and the
 * README's configuration table); {@link #fromEnv} rejects bad values with the setting's name.
 *
 * @param nodeId               this node's id in the cluster and in {@code connected.node}
 * @param host                 address the public server (WebSocket, API, web page) binds to
 * @param port                 public port; 0 picks a free one
 * @param mgmtHost             address the management server (health, ready, metrics, drain) binds to
 * @param mgmtPort             management port; 0 picks a free one
 * @param eventLoops           event loops, one gateway verticle each
 * @param auth                 how {@code connect} is authenticated
 * @param access               which groups are open, and whether presence is private
 * @param hooks                the application backend's hooks (none by default)
 * @param webhooks             where the cluster tells the application what happened (nowhere by default)
 * @param apiKey               bearer key of the HTTP API; null disables the API (every call 401)
 * @param allowedOrigins       allowed {@code Origin} headers; empty allows any
 * @param connectTimeout       how long a new WebSocket may wait before sending {@code connect}
 * @param heartbeat            interval of server pings; a client silent for two intervals is closed
 * @param maxMessageBytes      largest inbound frame or message (after inflation), and largest stored message
 * @param compression          whether permessage-deflate is offered
 * @param rateLimitPerSecond   sustained inbound frames per second per connection
 * @param rateLimitBurst       bucket size of the per-connection rate limit
 * @param rateLimitCloseAfter  consecutive rate-limited frames after which the connection is closed (4029)
 * @param rateLimitRetryAfter  delay named in the 4029 close reason
 * @param outboundQueueBytes   bytes a connection may have waiting to be written before it is closed (4008)
 * @param sendBufferBytes      SO_SNDBUF of client sockets; 0 leaves the kernel's autotuning
 * @param historyMaxMessages   newest messages kept per channel
 * @param historyMaxAge        age after which messages leave the history
 * @param dedupeTtl            how long a (user, device, seq) is remembered for repeated sends
 * @param drainWindow          time over which a draining node spreads the closing of its connections
 * @param rebalanceAuto        REBALANCE=auto: when a node joins, nodes above the average shed their excess
 * @param closingTimeout       how long a closed WebSocket waits for the peer's close frame before dropping TCP
 * @param requestTimeout       a connection's first request head, and an API call with its body, within this
 * @param memberBatchInterval  how often sessions that asked for member batches get a group's member events
 * @param largeGroupMembers    above this many members a group gets no online/offline events and presence
 *                             answers with the member count alone
 * @param receiptGroupMembers  (1.1) in a group of at most this many members every member is told of a read marker;
 *                             in a larger one only the reader's own sessions
 * @param admission            which WebSocket upgrades the node takes (the rest get HTTP 503 with Retry-After)
 * @param quotas               what one user may make the cluster hold
 * @param redis                Redis settings; null runs the node embedded (everything in memory)
 */
public record GatewayConfig(
    String nodeId,
    String host,
    int port,
    String mgmtHost,
    int mgmtPort,
    String adminToken,
    String advertisedHost,
    int eventLoops,
    AuthConfig auth,
    AccessConfig access,
    HookConfig hooks,
    WebhookConfig webhooks,
    String apiKey,
    List<String> allowedOrigins,
    Duration connectTimeout,
    Duration heartbeat,
    int maxMessageBytes,
    boolean compression,
    double rateLimitPerSecond,
    int rateLimitBurst,
    int rateLimitCloseAfter,
    Duration rateLimitRetryAfter,
    int outboundQueueBytes,
    int sendBufferBytes,
    int historyMaxMessages,
    Duration historyMaxAge,
    Duration dedupeTtl,
    Duration drainWindow,
    boolean rebalanceAuto,
    Duration closingTimeout,
    Duration requestTimeout,
    Duration memberBatchInterval,
    long largeGroupMembers,
    long receiptGroupMembers,
    AdmissionConfig admission,
    QuotaConfig quotas,
    RedisConfig redis) {

  /** How {@code connect} frames are authenticated. */
  /**
   * @param maxLifetime a token's {@code exp} may be at most this far after its {@code iat} (or after now)
   * @param audience    when set, a token's {@code aud} must name it
   * @param issuer      when set, a token's {@code iss} must be it
   * @param jwksUrl     where the identity provider publishes its keys ({@code JWT_JWKS_URL}, a JWKS document);
   *                    null: none
   */
  public record AuthConfig(Mode mode, String hmacSecret, String publicKeyPem, Duration leeway, Duration maxLifetime,
                           String audience, String issuer, String jwksUrl) {
    /** By name (anyone is anyone), by token, or by the application's connect hook. */
    public enum Mode { DEV, JWT, HOOK }
  }

  /**
   * Who may join what, and see whom ({@code OPEN_GROUPS}, {@code PRESENCE_PRIVATE}; by default open and public
   * under dev sign-in, closed and private under token and hook sign-in).
   *
   * @param openGroups      the groups any signed-in user may join; the others need a grant
   * @param presencePrivate {@code presence} of another user and of {@code broadcast} is {@code forbidden}
   */
  public record AccessConfig(NamePatterns openGroups, boolean presencePrivate) {
  }

  /**
   * Admission before the WebSocket upgrade.
   *
   * @param pendingMax       connections between upgrade and {@code connected} at once
   * @param pendingPerSource of those, from one client address
   * @param ratePerSecond    new sessions admitted per second
   * @param burst            admissions saved up while the rate is not used
   * @param trustedProxies   peers (load balancers) whose {@code X-Forwarded-For} names the client address
   * @param maxConnections   client connections open at once (by default what the open-files limit leaves)
   * @param maxLoopDelayMillis an event loop this late takes the node out of admission for a moment
   */
  public record AdmissionConfig(int pendingMax, int pendingPerSource, double ratePerSecond, int burst,
                                List<AddressRange> trustedProxies, int maxConnections, long maxLoopDelayMillis) {
  }

  /**
   * What one user may make the cluster hold. Caps are hard ({@code forbidden}); quotas are per window and
   * temporary ({@code rate_limited}), counted by each node for the user's sessions on it.
   *
   * @param sessionsPerUser      live sessions of one user across the cluster
   * @param groupsPerUser        groups one user is a member of
   * @param newChannelsPerWindow distinct channels (groups joined, users sent to) one user writes per window
   * @param bytesPerWindow       bytes of message bodies one user stores per window (a direct message twice)
   * @param window               the quotas' window
   * @param embeddedStoreBytes   embedded mode: bytes of history the node keeps in its heap at most; past it
   *                             sends are refused {@code unavailable} until messages age out
   */
  public record QuotaConfig(int sessionsPerUser, int groupsPerUser, int newChannelsPerWindow, long bytesPerWindow,
                            Duration window, long embeddedStoreBytes) {
  }

  /** Defaults for everything: an embedded node on 127.0.0.1:8080 with dev auth. */
  public static GatewayConfig defaults() {
    return fromEnv(Map.of());
  }

  /** Reads the environment, then JVM system properties of the same names, which win. */
  public static GatewayConfig fromEnvironment() {
    Map<String, String> merged = new HashMap<>(System.getenv());
    System.getProperties().forEach((k, v) -> merged.put(k.toString(), v.toString()));
    return fromEnv(merged);
  }

  /** The secret {@code name} of {@code env}: its value, or the contents of {@code name_FILE}; null if neither. */
  public static String secret(Map<String, String> env, String name) {
    return new Settings(env).secret(name);
  }

  public static GatewayConfig fromEnv(Map<String, String> env) {
    Settings s = new Settings(env);
    String nodeId = s.string("NODE_ID", "gw-" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36));
    if (!Ids.valid(nodeId)) {
      throw new ConfigException("NODE_ID=" + nodeId + " must be 1 to 64 characters of [A-Za-z0-9_.-]");
    }
    Duration heartbeat = s.duration("HEARTBEAT", Duration.ofSeconds(25), Duration.ofSeconds(1), Duration.ofHours(1));
    if (heartbeat.toMillis() % 1000 != 0) {
      throw new ConfigException("HEARTBEAT=" + s.string("HEARTBEAT", "") + " must be whole seconds (clients are told it in seconds)");
    }
    int maxMessage = s.integer("MAX_MESSAGE_BYTES", 65536, 1024, 16 * 1024 * 1024);
    String host = s.string("HOST", "127.0.0.1");
    String mgmtHost = s.string("MGMT_HOST", "127.0.0.1");
    AuthConfig auth = auth(s);
    devSignInStaysLocal(s, auth, host);
    String apiKey = s.keyOfAtLeast32Bytes("API_KEY");
    String adminToken = s.keyOfAtLeast32Bytes("ADMIN_TOKEN");
    if (adminToken == null && !Loopback.is(mgmtHost)) {
      throw new ConfigException("MGMT_HOST=" + mgmtHost + " opens the management port beyond this machine: set"
          + " ADMIN_TOKEN (or ADMIN_TOKEN_FILE), at least 32 bytes, which POST /admin/* then requires");
    }
    RedisConfig redis = RedisConfig.from(s);
    WebhookConfig webhooks = WebhookConfig.from(s);
    return new GatewayConfig(
        nodeId,
        host,
        s.integer("PORT", 8080, 0, 65535),
        mgmtHost,
        s.integer("MGMT_PORT", 9090, 0, 65535),
        adminToken,
        s.string("ADVERTISE_HOST", Loopback.advertised(host)),
        s.integer("EVENT_LOOPS", Runtime.getRuntime().availableProcessors(), 1, 256),
        auth,
        access(s, auth),
        HookConfig.from(s, auth.mode() == AuthConfig.Mode.HOOK),
        webhooks,
        apiKey,
        origins(s.string("ALLOWED_ORIGINS", "")),
        s.duration("CONNECT_TIMEOUT", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(10)),
        heartbeat,
        maxMessage,
        s.bool("WS_COMPRESSION", false),
        s.decimal("RATE_LIMIT_PER_SECOND", 20, 0.1, 1_000_000),
        s.integer("RATE_LIMIT_BURST", 40, 1, 1_000_000),
        s.integer("RATE_LIMIT_CLOSE_AFTER", 20, 1, 1_000_000),
        s.duration("RATE_LIMIT_RETRY_AFTER", Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofHours(1)),
        s.integer("OUTBOUND_QUEUE_BYTES", 1024 * 1024, 4 * 1024, 1024 * 1024 * 1024),
        s.integer("SOCKET_SEND_BUFFER_BYTES", 0, 0, 64 * 1024 * 1024),
        s.integer("HISTORY_MAX_MESSAGES", 1000, 1, 1_000_000),
        s.duration("HISTORY_MAX_AGE", Duration.ofHours(24), Duration.ofSeconds(1), Duration.ofDays(365)),
        s.duration("DEDUPE_TTL", Duration.ofHours(24), Duration.ofSeconds(1), Duration.ofDays(30)),
        s.duration("DRAIN_WINDOW", Duration.ofSeconds(10), Duration.ZERO, Duration.ofHours(1)),
        rebalance(s),
        s.duration("WS_CLOSING_TIMEOUT", Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMinutes(5)),
        s.duration("REQUEST_TIMEOUT", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(10)),
        s.duration("MEMBER_BATCH_INTERVAL", Duration.ofSeconds(1), Duration.ofMillis(50), Duration.ofMinutes(1)),
        s.integer("LARGE_GROUP_MEMBERS", 1000, 1, 100_000_000),
        s.integer("RECEIPT_GROUP_MEMBERS", 100, 0, 100_000),
        admission(s),
        quotas(s),
        redis);
  }

  /**
   * Dev sign-in (anyone is anyone) is for this machine only: where clients reach the node is the address it is
   * published on ({@code PUBLIC_BIND}: every one of its comma-separated addresses, as docker compose passes
   * its plain and TLS ones) or else {@code HOST}; beyond loopback it
   * takes {@code ALLOW_DEV_AUTH=true}, said on purpose.
   */
  private static void devSignInStaysLocal(Settings s, AuthConfig auth, String host) {
    if (auth.mode() != AuthConfig.Mode.DEV || s.bool("ALLOW_DEV_AUTH", false)) {
      return;
    }
    String published = s.string("PUBLIC_BIND", null);
    boolean local = published == null ? Loopback.is(host)
        : Arrays.stream(published.split(",")).allMatch(bind -> Loopback.is(Loopback.hostOf(bind)));
    if (!local) {
      String where = published != null ? "with PUBLIC_BIND=" + published : "on HOST=" + host;
      throw new ConfigException("AUTH_MODE=dev " + where
          + " would let anyone who reaches that address claim any user: use AUTH_MODE=jwt, publish on loopback"
          + " (PUBLIC_BIND=127.0.0.1:<port> where a container publishes the node, else HOST=127.0.0.1), or set"
          + " ALLOW_DEV_AUTH=true if that is really meant");
    }
  }

  private static AuthConfig auth(Settings s) {
    String mode = s.string("AUTH_MODE", "dev").toLowerCase(Locale.ROOT);
    String secret = s.secret("JWT_SECRET");
    String pem = s.secret("JWT_PUBLIC_KEY");
    Duration leeway = s.duration("JWT_LEEWAY", Duration.ofSeconds(30), Duration.ZERO, Duration.ofHours(1));
    Duration maxLifetime = s.duration("JWT_MAX_LIFETIME", Duration.ofHours(24), Duration.ofSeconds(1), Duration.ofDays(365));
    String audience = s.string("JWT_AUDIENCE", null);
    String issuer = s.string("JWT_ISSUER", null);
    String jwks = jwksUrl(s.string("JWT_JWKS_URL", null));
    return switch (mode) {
      case "dev" -> new AuthConfig(AuthConfig.Mode.DEV, secret, pem, leeway, maxLifetime, audience, issuer, jwks);
      case "jwt" -> {
        if (secret == null && pem == null && jwks == null) {
          throw new ConfigException("AUTH_MODE=jwt needs JWT_SECRET (HS256), JWT_PUBLIC_KEY / JWT_PUBLIC_KEY_FILE"
              + " (RS256, ES256) or JWT_JWKS_URL (an identity provider's keys)");
        }
        if (jwks != null && (issuer == null || audience == null) && !s.bool("JWT_SKIP_ISSUER_AUDIENCE", false)) {
          throw new ConfigException("JWT_JWKS_URL needs JWT_ISSUER and JWT_AUDIENCE: without them any token the"
              + " provider signed for another application signs in here. Set both, or JWT_SKIP_ISSUER_AUDIENCE=true"
              + " if these keys sign tokens for this application alone");
        }
        if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < 32) {
          throw new ConfigException("JWT_SECRET must be at least 32 bytes for HS256");
        }
        if (pem != null && (issuer == null || audience == null) && !s.bool("JWT_SKIP_ISSUER_AUDIENCE", false)) {
          // an identity provider's key signs tokens for every application it serves
          throw new ConfigException("JWT_PUBLIC_KEY needs JWT_ISSUER and JWT_AUDIENCE: without them any token the"
              + " provider signed for another application signs in here. Set both, or JWT_SKIP_ISSUER_AUDIENCE=true"
              + " if this key signs tokens for this application alone");
        }
        yield new AuthConfig(AuthConfig.Mode.JWT, secret, pem, leeway, maxLifetime, audience, issuer, jwks);
      }
      // hook sign-in: the connect hook decides; keys, when set, still verify join tokens
      case "hook" -> new AuthConfig(AuthConfig.Mode.HOOK, secret, pem, leeway, maxLifetime, audience, issuer, jwks);
      default -> throw new ConfigException("AUTH_MODE=" + mode + " is not known: use dev, jwt or hook");
    };
  }

  /** {@code JWT_JWKS_URL}: an http(s) URL with a host, or none. */
  private static String jwksUrl(String url) {
    if (url == null) {
      return null;
    }
    try {
      java.net.URI uri = new java.net.URI(url);
      if ((uri.getScheme() == null || !uri.getScheme().matches("https?")) || uri.getHost() == null) {
        throw new java.net.URISyntaxException(url, "not http(s) with a host");
      }
      return url;
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException("JWT_JWKS_URL=" + url + " must be an http:// or https:// URL of a JWKS document");
    }
  }

  private static AccessConfig access(Settings s, AuthConfig auth) {
    boolean dev = auth.mode() == AuthConfig.Mode.DEV;
    String open = s.string("OPEN_GROUPS", dev ? "*" : "");
    try {
      return new AccessConfig(NamePatterns.parse(open), s.bool("PRESENCE_PRIVATE", !dev));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("OPEN_GROUPS=" + open + ": " + e.getMessage()
          + " (comma-separated group ids, prefixes such as public.*, or * for all)");
    }
  }

  private static List<String> origins(String raw) {
    return Arrays.stream(raw.split(",")).map(String::trim).filter(o -> !o.isEmpty()).toList();
  }

  private static AdmissionConfig admission(Settings s) {
    int pendingMax = s.integer("ADMISSION_PENDING_MAX", 1000, 1, 1_000_000);
    double rate = s.decimal("ADMISSION_RATE", 1000, 1, 1_000_000);
    List<AddressRange> trusted = new ArrayList<>();
    String proxies = s.string("TRUSTED_PROXIES", "");
    for (String entry : proxies.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      try {
        trusted.add(AddressRange.parse(entry));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("TRUSTED_PROXIES=" + proxies + ": " + e.getMessage());
      }
    }
    int fileLimit = OpenFiles.limit();
    int fitting = Math.max(1, fileLimit - OpenFiles.RESERVE);
    int maxConnections = s.integer("MAX_CONNECTIONS", fitting, 1, Integer.MAX_VALUE);
    if (maxConnections > fitting) {
      throw new ConfigException("MAX_CONNECTIONS=" + maxConnections + " does not fit this process's open-files limit ("
          + fileLimit + ", of which " + OpenFiles.RESERVE + " are kept for Redis and the rest): at most " + fitting
          + "; raise the limit (ulimit -n) or lower MAX_CONNECTIONS");
    }
    return new AdmissionConfig(pendingMax,
        s.integer("ADMISSION_PENDING_PER_SOURCE", Math.max(1, pendingMax / 10), 1, pendingMax),
        rate, s.integer("ADMISSION_BURST", (int) Math.ceil(rate), 1, 10_000_000), List.copyOf(trusted),
        maxConnections, s.duration("ADMISSION_MAX_LOOP_DELAY", Duration.ofMillis(500), Duration.ofMillis(10),
            Duration.ofMinutes(1)).toMillis());
  }

  private static QuotaConfig quotas(Settings s) {
    long heap = Runtime.getRuntime().maxMemory();
    return new QuotaConfig(
        s.integer("MAX_SESSIONS_PER_USER", 100, 1, 1_000_000),
        s.integer("MAX_GROUPS_PER_USER", 1000, 1, 1_000_000),
        s.integer("USER_NEW_CHANNELS_PER_WINDOW", 1000, 1, 100_000_000),
        s.number("USER_BYTES_PER_WINDOW", 64L << 20, 1024, Long.MAX_VALUE),
        s.duration("USER_QUOTA_WINDOW", Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofDays(30)),
        s.number("EMBEDDED_STORE_BYTES", heap == Long.MAX_VALUE ? 256L << 20 : heap / 4, 64 * 1024, Long.MAX_VALUE));
  }

  public boolean embedded() {
    return redis == null;
  }

  /** A copy with other ports (tests start nodes on free ports). */
  public GatewayConfig withPorts(int port, int mgmtPort) {
    return new GatewayConfig(nodeId, host, port, mgmtHost, mgmtPort, adminToken, advertisedHost, eventLoops, auth,
        access, hooks, webhooks, apiKey, allowedOrigins,
        connectTimeout, heartbeat, maxMessageBytes, compression, rateLimitPerSecond, rateLimitBurst,
        rateLimitCloseAfter, rateLimitRetryAfter, outboundQueueBytes, sendBufferBytes, historyMaxMessages,
        historyMaxAge, dedupeTtl, drainWindow, rebalanceAuto, closingTimeout, requestTimeout, memberBatchInterval,
        largeGroupMembers, receiptGroupMembers, admission, quotas, redis);
  }

  /** REBALANCE: {@code off} (default; POST /api/cluster/rebalance asks for one) or {@code auto}. */
  private static boolean rebalance(Settings s) {
    String mode = s.string("REBALANCE", "off");
    return switch (mode) {
      case "off" -> false;
      case "auto" -> true;
      default -> throw new ConfigException("REBALANCE=" + mode + " is not off or auto");
    };
  }
}
