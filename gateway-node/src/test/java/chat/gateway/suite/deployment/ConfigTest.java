package chat.gateway.suite.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.config.ConfigException;
import chat.gateway.config.GatewayConfig;
import chat.gateway.config.RedisConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Defaults as documented, and a start-up error naming the setting for every bad value. */
class ConfigTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    GatewayConfig c = GatewayConfig.defaults();
    assertEquals(8080, c.port());
    assertEquals(9090, c.mgmtPort());
    assertEquals("127.0.0.1", c.host());
    assertEquals(GatewayConfig.AuthConfig.Mode.DEV, c.auth().mode());
    assertEquals(Duration.ofSeconds(10), c.connectTimeout());
    assertEquals(Duration.ofSeconds(25), c.heartbeat());
    assertEquals(65536, c.maxMessageBytes());
    assertFalse(c.compression());
    assertEquals(20, c.rateLimitPerSecond());
    assertEquals(40, c.rateLimitBurst());
    assertEquals(1024 * 1024, c.outboundQueueBytes());
    assertEquals(1000, c.historyMaxMessages());
    assertEquals(Duration.ofHours(24), c.historyMaxAge());
    assertEquals(Duration.ofSeconds(10), c.drainWindow());
    assertTrue(c.embedded());
    assertTrue(c.nodeId().startsWith("gw-"));
  }

  @Test
  void valuesAreParsedWithUnits() {
    GatewayConfig c = GatewayConfig.fromEnv(Map.of("HEARTBEAT", "30", "CONNECT_TIMEOUT", "1500ms",
        "HISTORY_MAX_AGE", "2h", "DRAIN_WINDOW", "1m", "ALLOWED_ORIGINS", "https://a.example, https://b.example",
        "WS_COMPRESSION", "true"));
    assertEquals(Duration.ofSeconds(30), c.heartbeat());
    assertEquals(Duration.ofMillis(1500), c.connectTimeout());
    assertEquals(Duration.ofHours(2), c.historyMaxAge());
    assertEquals(Duration.ofMinutes(1), c.drainWindow());
    assertEquals(List.of("https://a.example", "https://b.example"), c.allowedOrigins());
    assertTrue(c.compression());
  }

  @Test
  void everyBadValueNamesItsSetting() {
    Map<String, String> bad = Map.ofEntries(
        Map.entry("PORT", "http"), Map.entry("MGMT_PORT", "70000"), Map.entry("EVENT_LOOPS", "0"),
        Map.entry("HEARTBEAT", "1500ms"), Map.entry("CONNECT_TIMEOUT", "soon"), Map.entry("MAX_MESSAGE_BYTES", "10"),
        Map.entry("WS_COMPRESSION", "maybe"), Map.entry("RATE_LIMIT_PER_SECOND", "-1"),
        Map.entry("RATE_LIMIT_BURST", "0"), Map.entry("OUTBOUND_QUEUE_BYTES", "1"),
        Map.entry("HISTORY_MAX_MESSAGES", "0"), Map.entry("HISTORY_MAX_AGE", "0s"), Map.entry("NODE_ID", "gw 1"),
        Map.entry("AUTH_MODE", "ldap"), Map.entry("JWT_LEEWAY", "forever"), Map.entry("REDIS_URL", "localhost:6379"),
        Map.entry("DEDUPE_TTL", "0s"), Map.entry("SOCKET_SEND_BUFFER_BYTES", "-5"));
    bad.forEach((name, value) -> {
      ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(Map.of(name, value)),
          name + "=" + value);
      assertTrue(e.getMessage().startsWith(name + "="), e.getMessage());
    });
  }

  @Test
  void aNodeAdmitsWhatAWarmNodeTakesByDefault() {
    // docs/BENCHMARKS.md section 20: a warm node on Redis took 2,000 new sessions/s; half of it by default, bursts of as many
    assertEquals(1000, GatewayConfig.fromEnv(Map.of()).admission().ratePerSecond());
    assertEquals(1000, GatewayConfig.fromEnv(Map.of()).admission().burst());
    assertEquals(250, GatewayConfig.fromEnv(Map.of("ADMISSION_RATE", "250")).admission().ratePerSecond());
  }

  @Test
  void connectionsAreBoundedByTheOpenFilesLimitByDefault() {
    long files = ((com.sun.management.UnixOperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
    int fitting = (int) Math.min(Integer.MAX_VALUE, files) - 1000;
    assertEquals(fitting, GatewayConfig.fromEnv(Map.of()).admission().maxConnections());
    assertEquals(100, GatewayConfig.fromEnv(Map.of("MAX_CONNECTIONS", "100")).admission().maxConnections());
    ConfigException e = assertThrows(ConfigException.class,
        () -> GatewayConfig.fromEnv(Map.of("MAX_CONNECTIONS", Integer.toString(fitting + 1))));
    assertTrue(e.getMessage().startsWith("MAX_CONNECTIONS=" + (fitting + 1) + " does not fit"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(Map.of("ADMISSION_MAX_LOOP_DELAY", "1ms")));
    assertTrue(e.getMessage().startsWith("ADMISSION_MAX_LOOP_DELAY="), e.getMessage());
  }

  @Test
  void redisSettingsNameThemselves() {
    for (Map.Entry<String, String> bad : Map.of("REDIS_CONNECTIONS_PER_LOOP", "0", "REDIS_TIMEOUT", "never",
        "REDIS_POOL_SIZE", "8").entrySet()) {
      ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(
          Map.of("REDIS_URL", "redis://127.0.0.1:6379", bad.getKey(), bad.getValue())), bad.toString());
      assertTrue(e.getMessage().startsWith(bad.getKey() + "="), e.getMessage());
    }
    assertEquals(2, GatewayConfig.fromEnv(Map.of("REDIS_URL", "redis://127.0.0.1:6379",
        "REDIS_CONNECTIONS_PER_LOOP", "2")).redis().connectionsPerLoop());
  }

  @Test
  void aRedisClusterOrSentinelIsNamedHostByHostAndOnlyOneStoreIsChosen() {
    RedisConfig cluster = GatewayConfig.fromEnv(Map.of("REDIS_CLUSTER_NODES",
        "10.0.0.1:7000, 10.0.0.2:7001", "REDIS_PASSWORD", "p w")).redis();
    assertEquals(RedisConfig.Topology.CLUSTER, cluster.topology());
    assertEquals(java.util.List.of("redis://:p+w@10.0.0.1:7000", "redis://:p+w@10.0.0.2:7001"), cluster.endpoints());
    assertEquals(-1, cluster.waitReplicas(), "WAIT for a replica when the primary has any, by default");
    RedisConfig sentinel = GatewayConfig.fromEnv(Map.of("REDIS_SENTINELS", "s1:26379,s2:26379",
        "REDIS_WAIT_REPLICAS", "0")).redis();
    assertEquals(RedisConfig.Topology.SENTINEL, sentinel.topology());
    assertEquals("mymaster", sentinel.masterName());
    assertEquals(0, sentinel.waitReplicas());
    for (Map.Entry<String, String> bad : Map.of("REDIS_CLUSTER_NODES", "10.0.0.1", "REDIS_SENTINELS", "s1:x",
        "REDIS_WAIT_REPLICAS", "some").entrySet()) {
      Map<String, String> env = new java.util.HashMap<>(Map.of(bad.getKey(), bad.getValue()));
      if (bad.getKey().equals("REDIS_WAIT_REPLICAS")) {
        env.put("REDIS_CLUSTER_NODES", "10.0.0.1:7000");
      }
      ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(env), bad.toString());
      assertTrue(e.getMessage().startsWith(bad.getKey() + "="), e.getMessage());
    }
    ConfigException both = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(Map.of(
        "REDIS_URL", "redis://127.0.0.1:6379", "REDIS_CLUSTER_NODES", "10.0.0.1:7000")));
    assertTrue(both.getMessage().contains("REDIS_CLUSTER_NODES"), both.getMessage());
  }

  @Test
  void jwtModeNeedsAKey() {
    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(Map.of("AUTH_MODE", "jwt")));
    assertTrue(e.getMessage().contains("JWT_SECRET"));
    e = assertThrows(ConfigException.class,
        () -> GatewayConfig.fromEnv(Map.of("AUTH_MODE", "jwt", "JWT_SECRET", "short")));
    assertTrue(e.getMessage().startsWith("JWT_SECRET"));
    e = assertThrows(ConfigException.class,
        () -> GatewayConfig.fromEnv(Map.of("AUTH_MODE", "jwt", "JWT_PUBLIC_KEY_FILE", "/nonexistent/key.pem")));
    assertTrue(e.getMessage().startsWith("JWT_PUBLIC_KEY_FILE"));
  }

  private static final String KEY = "k".repeat(32);

  @Test
  void groupsAreOpenAndPresencePublicUnderDevSignInClosedAndPrivateUnderTokens() {
    GatewayConfig dev = GatewayConfig.fromEnv(Map.of());
    assertTrue(dev.access().openGroups().matches("anything"));
    assertFalse(dev.access().presencePrivate());
    GatewayConfig jwt = GatewayConfig.fromEnv(Map.of("AUTH_MODE", "jwt", "JWT_SECRET", "x".repeat(32)));
    assertFalse(jwt.access().openGroups().matches("anything"));
    assertTrue(jwt.access().presencePrivate());
    GatewayConfig some = GatewayConfig.fromEnv(Map.of("AUTH_MODE", "jwt", "JWT_SECRET", "x".repeat(32),
        "OPEN_GROUPS", "lobby, public.*", "PRESENCE_PRIVATE", "false"));
    assertTrue(some.access().openGroups().matches("lobby") && some.access().openGroups().matches("public.x"));
    assertFalse(some.access().openGroups().matches("lobby2") || some.access().presencePrivate());
    String message = refused(Map.of("OPEN_GROUPS", "good,bad/one")).getMessage();
    assertTrue(message.startsWith("OPEN_GROUPS=good,bad/one: 'bad/one' is neither a group id nor a prefix"), message);
  }

  @Test
  void aKeySetUrlMustBeHttpAndComesWithIssuerAndAudience() {
    String message = refused(Map.of("AUTH_MODE", "jwt", "JWT_JWKS_URL", "ftp://id.example/keys")).getMessage();
    assertTrue(message.startsWith("JWT_JWKS_URL=ftp://id.example/keys must be an http:// or https:// URL"), message);
    message = refused(Map.of("AUTH_MODE", "jwt", "JWT_JWKS_URL", "https://id.example/keys")).getMessage();
    assertTrue(message.startsWith("JWT_JWKS_URL needs JWT_ISSUER and JWT_AUDIENCE"), message);
    assertEquals("https://id.example/keys", GatewayConfig.fromEnv(Map.of("AUTH_MODE", "jwt",
        "JWT_JWKS_URL", "https://id.example/keys", "JWT_ISSUER", "https://id.example", "JWT_AUDIENCE", "chat"))
        .auth().jwksUrl());
  }

  @Test
  void hooksAreCheckedAtStartEachErrorNamingItsSetting() {
    String secret = "s".repeat(32);
    Map<String, String> hook = Map.of("AUTH_MODE", "hook", "CONNECT_HOOK_URL", "http://app:3000/hooks/connect",
        "HOOK_SECRET", secret);
    GatewayConfig signIn = GatewayConfig.fromEnv(hook);
    assertEquals("http://app:3000/hooks/connect", signIn.hooks().connect().toString());
    assertFalse(signIn.access().openGroups().matches("anything"), "closed by default, as under token sign-in");
    assertTrue(signIn.access().presencePrivate());
    assertEquals(java.time.Duration.ofSeconds(2), signIn.hooks().timeout());
    for (String[] bad : new String[][] {
        {"CONNECT_HOOK_URL", "ftp://app/connect", "CONNECT_HOOK_URL=ftp://app/connect must be an http:// or https:// URL"},
        {"CONNECT_HOOK_URL", "http//missing-colon", "CONNECT_HOOK_URL=http//missing-colon must be"},
        {"JOIN_HOOK_URL", "https://", "JOIN_HOOK_URL=https:// must be"},
        {"PUBLISH_HOOK_URL", "http://app/publish", "PUBLISH_HOOK_URL is set but PUBLISH_HOOK_CHANNELS names no channel"},
        {"PUBLISH_HOOK_CHANNELS", "group/*", "PUBLISH_HOOK_CHANNELS is set without PUBLISH_HOOK_URL"},
        {"HOOK_SECRET", "short", "HOOK_SECRET must be at least 32 bytes"},
        {"HOOK_TIMEOUT", "0ms", "HOOK_TIMEOUT"}}) {
      Map<String, String> env = new java.util.HashMap<>(hook);
      env.put(bad[0], bad[1]);
      String message = refused(env).getMessage();
      assertTrue(message.startsWith(bad[2]), message);
    }
    Map<String, String> channels = new java.util.HashMap<>(hook);
    channels.putAll(Map.of("PUBLISH_HOOK_URL", "http://app/publish", "PUBLISH_HOOK_CHANNELS", "group/*, bad channel"));
    assertTrue(refused(channels).getMessage().startsWith("PUBLISH_HOOK_CHANNELS=group/*, bad channel: 'bad channel'"
        + " is neither a channel name nor a prefix"));
    channels.put("PUBLISH_HOOK_CHANNELS", "group/*,user/*,broadcast");
    GatewayConfig publish = GatewayConfig.fromEnv(channels);
    assertTrue(publish.hooks().publishChannels().matches("group/x") && publish.hooks().publishChannels().matches("broadcast"));
    assertTrue(refused(Map.of("AUTH_MODE", "hook")).getMessage().startsWith("AUTH_MODE=hook needs CONNECT_HOOK_URL"));
    assertTrue(refused(Map.of("AUTH_MODE", "hook", "CONNECT_HOOK_URL", "http://app/c")).getMessage()
        .startsWith("hooks need HOOK_SECRET"));
    assertTrue(refused(Map.of("CONNECT_HOOK_URL", "http://app/c", "HOOK_SECRET", secret)).getMessage()
        .startsWith("CONNECT_HOOK_URL is used only with AUTH_MODE=hook"));
    assertEquals("http://app/join", GatewayConfig.fromEnv(Map.of("JOIN_HOOK_URL", "http://app/join",
        "HOOK_SECRET", secret)).hooks().join().toString(), "a join hook serves token and dev sign-in too");
  }

  @Test
  void webhooksNeedAnHttpUrlASecretAndKnownEventTypes() {
    String secret = "w".repeat(32);
    GatewayConfig on = GatewayConfig.fromEnv(Map.of("WEBHOOK_URL", "https://app.example/events", "WEBHOOK_SECRET", secret,
        "WEBHOOK_EVENTS", "message, presence", "WEBHOOK_BATCH", "20"));
    assertTrue(on.webhooks().posts(chat.gateway.config.WebhookConfig.Type.MESSAGE));
    assertFalse(on.webhooks().posts(chat.gateway.config.WebhookConfig.Type.MEMBER));
    assertEquals(20, on.webhooks().batch());
    assertEquals(java.time.Duration.ofHours(24), on.webhooks().maxAge());
    assertEquals(1_000_000, on.webhooks().maxBacklog());
    assertFalse(GatewayConfig.fromEnv(Map.of()).webhooks().on());
    for (String[] bad : new String[][] {
        {"WEBHOOK_URL", "mailto:ops@app.example", "WEBHOOK_URL=mailto:ops@app.example must be an http:// or https:// URL"},
        {"WEBHOOK_SECRET", "short", "WEBHOOK_URL needs WEBHOOK_SECRET"},
        {"WEBHOOK_EVENTS", "message,typing", "WEBHOOK_EVENTS=message,typing: 'typing' is not an event type"},
        {"WEBHOOK_BATCH", "0", "WEBHOOK_BATCH"},
        {"WEBHOOK_MAX_BACKLOG", "-1", "WEBHOOK_MAX_BACKLOG"}}) {
      Map<String, String> env = new java.util.HashMap<>(Map.of("WEBHOOK_URL", "https://app.example/events",
          "WEBHOOK_SECRET", secret));
      env.put(bad[0], bad[1]);
      String message = refused(env).getMessage();
      assertTrue(message.startsWith(bad[2]), message);
    }
    assertFalse(GatewayConfig.fromEnv(Map.of("WEBHOOK_SECRET", secret)).webhooks().on(), "a secret alone posts nothing");
    assertTrue(GatewayConfig.fromEnv(Map.of("WEBHOOK_URL", "http://app/events", "WEBHOOK_SECRET", secret,
        "REDIS_CLUSTER_NODES", "127.0.0.1:7000")).webhooks().on(), "webhooks are served on a Redis Cluster too");
  }

  @Test
  void rebalanceIsOffOrAuto() {
    assertFalse(GatewayConfig.fromEnv(Map.of()).rebalanceAuto(), "off by default");
    assertTrue(GatewayConfig.fromEnv(Map.of("REBALANCE", "auto")).rebalanceAuto());
    assertTrue(refused(Map.of("REBALANCE", "sometimes")).getMessage().startsWith("REBALANCE=sometimes"));
  }

  @Test
  void receiptGroupMembersIsACount() {
    assertEquals(100, GatewayConfig.fromEnv(Map.of()).receiptGroupMembers(), "100 by default");
    assertEquals(0, GatewayConfig.fromEnv(Map.of("RECEIPT_GROUP_MEMBERS", "0")).receiptGroupMembers());
    assertTrue(refused(Map.of("RECEIPT_GROUP_MEMBERS", "-1")).getMessage().contains("RECEIPT_GROUP_MEMBERS"));
    assertTrue(refused(Map.of("RECEIPT_GROUP_MEMBERS", "many")).getMessage().contains("RECEIPT_GROUP_MEMBERS"));
  }

  private static ConfigException refused(Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(env), env.toString());
  }

  @Test
  void keysUnder32BytesAreRefused() {
    assertTrue(refused(Map.of("API_KEY", "change-me")).getMessage().startsWith("API_KEY must be at least 32 bytes"));
    assertTrue(refused(Map.of("ADMIN_TOKEN", "short")).getMessage().startsWith("ADMIN_TOKEN must be at least 32 bytes"));
    assertEquals(KEY, GatewayConfig.fromEnv(Map.of("API_KEY", KEY)).apiKey());
  }

  @Test
  void devAuthOnAnAddressOthersReachNeedsToBeAllowed() {
    String message = refused(Map.of("HOST", "0.0.0.0")).getMessage();
    assertTrue(message.startsWith("AUTH_MODE=dev on HOST=0.0.0.0"), message);
    assertTrue(message.contains("ALLOW_DEV_AUTH"), message);
    assertEquals("0.0.0.0", GatewayConfig.fromEnv(Map.of("HOST", "0.0.0.0", "ALLOW_DEV_AUTH", "true")).host());
    assertEquals("0.0.0.0", GatewayConfig.fromEnv(Map.of("HOST", "0.0.0.0", "AUTH_MODE", "jwt", "JWT_SECRET", KEY)).host());
    for (String loopback : List.of("127.0.0.1", "127.0.0.2", "localhost", "::1")) {
      assertEquals(loopback, GatewayConfig.fromEnv(Map.of("HOST", loopback)).host());
    }
  }

  @Test
  void devAuthFollowsWhereTheNodeIsPublishedNotWhereItBinds() {
    // in a container the node binds 0.0.0.0 and docker publishes it where PUBLIC_BIND says
    for (String local : List.of("127.0.0.1:8080", "[::1]:8080", "localhost:8080")) {
      assertEquals("0.0.0.0", GatewayConfig.fromEnv(Map.of("HOST", "0.0.0.0", "PUBLIC_BIND", local)).host(), local);
    }
    for (String open : List.of("0.0.0.0:8080", "8080", "192.0.2.10:443", "[::]:8080")) {
      String message = refused(Map.of("HOST", "0.0.0.0", "PUBLIC_BIND", open)).getMessage();
      assertTrue(message.startsWith("AUTH_MODE=dev with PUBLIC_BIND=" + open), message);
      assertTrue(message.contains("ALLOW_DEV_AUTH"), message);
      // a loopback HOST does not help: the published address is what others reach
      assertTrue(refused(Map.of("HOST", "127.0.0.1", "PUBLIC_BIND", open)).getMessage().contains("PUBLIC_BIND"));
    }
    assertEquals("0.0.0.0", GatewayConfig.fromEnv(Map.of("HOST", "0.0.0.0", "PUBLIC_BIND", "0.0.0.0:8080",
        "ALLOW_DEV_AUTH", "true")).host());
  }

  @Test
  void devAuthNeedsEveryPublishedAddressOnLoopbackThePlainAndTheTlsOne() {
    assertEquals("0.0.0.0", GatewayConfig.fromEnv(Map.of("HOST", "0.0.0.0",
        "PUBLIC_BIND", "127.0.0.1:8080,127.0.0.1:8443")).host());
    for (String published : List.of("127.0.0.1:8080,0.0.0.0:8443", "0.0.0.0:8080,127.0.0.1:8443")) {
      String message = refused(Map.of("HOST", "0.0.0.0", "PUBLIC_BIND", published)).getMessage();
      assertTrue(message.startsWith("AUTH_MODE=dev with PUBLIC_BIND=" + published), message);
    }
  }

  @Test
  void aPublicKeyFromAnIdentityProviderNeedsIssuerAndAudience() throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    String pem = chat.gateway.testing.Jwts.pem(generator.generateKeyPair().getPublic());
    for (Map<String, String> partial : List.of(Map.<String, String>of(), Map.of("JWT_ISSUER", "https://id.example"),
        Map.of("JWT_AUDIENCE", "chat"))) {
      Map<String, String> env = new java.util.HashMap<>(partial);
      env.putAll(Map.of("AUTH_MODE", "jwt", "JWT_PUBLIC_KEY", pem));
      String message = refused(env).getMessage();
      assertTrue(message.startsWith("JWT_PUBLIC_KEY needs JWT_ISSUER and JWT_AUDIENCE"), message);
      assertTrue(message.contains("JWT_SKIP_ISSUER_AUDIENCE"), message);
    }
    assertEquals("chat", GatewayConfig.fromEnv(Map.of("AUTH_MODE", "jwt", "JWT_PUBLIC_KEY", pem,
        "JWT_ISSUER", "https://id.example", "JWT_AUDIENCE", "chat")).auth().audience());
    assertEquals(null, GatewayConfig.fromEnv(Map.of("AUTH_MODE", "jwt", "JWT_PUBLIC_KEY", pem,
        "JWT_SKIP_ISSUER_AUDIENCE", "true")).auth().audience());
    // an HS256 secret is this application's own
    assertEquals(null, GatewayConfig.fromEnv(Map.of("AUTH_MODE", "jwt", "JWT_SECRET", KEY)).auth().audience());
  }

  @Test
  void aManagementPortOthersReachNeedsAnAdminToken() {
    String message = refused(Map.of("MGMT_HOST", "0.0.0.0")).getMessage();
    assertTrue(message.startsWith("MGMT_HOST=0.0.0.0") && message.contains("ADMIN_TOKEN"), message);
    assertEquals(KEY, GatewayConfig.fromEnv(Map.of("MGMT_HOST", "0.0.0.0", "ADMIN_TOKEN", KEY)).adminToken());
  }

  @Test
  void secretsComeFromFilesAndNeverFromBoth() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("api-key", ".txt");
    try {
      java.nio.file.Files.writeString(file, KEY + "\n");
      assertEquals(KEY, GatewayConfig.fromEnv(Map.of("API_KEY_FILE", file.toString())).apiKey(), "trimmed");
      assertTrue(refused(Map.of("API_KEY_FILE", file.toString(), "API_KEY", KEY)).getMessage()
          .startsWith("API_KEY and API_KEY_FILE are both set"));
      assertTrue(refused(Map.of("API_KEY_FILE", "/nonexistent/key")).getMessage()
          .startsWith("API_KEY_FILE=/nonexistent/key cannot be read"));
      java.nio.file.Files.writeString(file, "s3cret/pass");
      assertEquals("redis://:s3cret%2Fpass@redis:6379", GatewayConfig.fromEnv(Map.of("REDIS_URL", "redis://redis:6379",
          "REDIS_PASSWORD_FILE", file.toString())).redis().endpoints().get(0));
      assertTrue(refused(Map.of("REDIS_URL", "redis://:x@redis:6379", "REDIS_PASSWORD", "y")).getMessage()
          .startsWith("REDIS_PASSWORD is set and REDIS_URL carries credentials"));
      // a least-privilege user (redis/users.conf): on every endpoint, sentinels included (the Sentinel client
      // signs in to them with the primary's user)
      Map<String, String> user = Map.of("REDIS_USER", "gateway", "REDIS_PASSWORD_FILE", file.toString());
      java.util.function.Function<Map<String, String>, java.util.List<String>> endpoints = extra -> {
        Map<String, String> env = new java.util.HashMap<>(user);
        env.putAll(extra);
        return GatewayConfig.fromEnv(env).redis().endpoints();
      };
      assertEquals(List.of("redis://gateway:s3cret%2Fpass@redis:6379"), endpoints.apply(Map.of("REDIS_URL", "redis://redis:6379")));
      assertEquals(List.of("redis://gateway:s3cret%2Fpass@r1:7000", "redis://gateway:s3cret%2Fpass@r2:7000"),
          endpoints.apply(Map.of("REDIS_CLUSTER_NODES", "r1:7000,r2:7000")));
      assertEquals(List.of("redis://gateway:s3cret%2Fpass@s1:26379"), endpoints.apply(Map.of("REDIS_SENTINELS", "s1:26379")));
      assertTrue(refused(Map.of("REDIS_URL", "redis://redis:6379", "REDIS_USER", "gateway")).getMessage()
          .startsWith("REDIS_USER=gateway needs REDIS_PASSWORD"));
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  @Test
  void aWildcardBindAdvertisesAnAddressOthersCanUse() {
    assertEquals("127.0.0.1", GatewayConfig.defaults().advertisedHost());
    GatewayConfig wildcard = GatewayConfig.fromEnv(Map.of("HOST", "0.0.0.0", "ALLOW_DEV_AUTH", "true"));
    assertFalse(wildcard.advertisedHost().equals("0.0.0.0"), wildcard.advertisedHost());
    assertEquals("gw-7.example", GatewayConfig.fromEnv(Map.of("ADVERTISE_HOST", "gw-7.example")).advertisedHost());
  }
}
