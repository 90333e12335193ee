package chat.gateway.config;

import chat.gateway.access.NamePatterns;
import java.net.URI;
import java.time.Duration;

/**
 * The application backend's hooks (1.1, "Hooks"): where each is ({@code null}: not used), how requests are signed
 * and how long an answer may take, and the node's protection from a backend in trouble.
 *
 * @param secret          {@code HOOK_SECRET}: key of every request's HMAC-SHA256 signature, at least 32 bytes
 * @param timeout         {@code HOOK_TIMEOUT}: the whole call, from asking for a connection to the answer's end
 * @param connect         {@code CONNECT_HOOK_URL}: signs sessions in under {@code AUTH_MODE=hook}
 * @param join            {@code JOIN_HOOK_URL}: the last grant tried for a closed group
 * @param publish         {@code PUBLISH_HOOK_URL}: checks (and may rewrite) sends to {@code publishChannels}
 * @param publishChannels {@code PUBLISH_HOOK_CHANNELS}: channel names or prefixes ending in {@code *}
 * @param maxInFlight     {@code HOOK_MAX_IN_FLIGHT}: hook calls one node has open at once; past it a request is
 *                        answered {@code unavailable} at once
 * @param connections     {@code HOOK_CONNECTIONS}: keep-alive connections one node holds to each hook's host
 * @param breakerFailures {@code HOOK_BREAKER_FAILURES}: failures in a row after which a hook is not called for a while
 * @param breakerOpen     {@code HOOK_BREAKER_OPEN}: that while, after which one call tries the hook again
 */
public record HookConfig(String secret, Duration timeout, URI connect, URI join, URI publish,
                         NamePatterns publishChannels, int maxInFlight, int connections, int breakerFailures,
                         Duration breakerOpen) {

  public static final HookConfig NONE = new HookConfig(null, Duration.ofSeconds(2), null, null, null, NamePatterns.NONE,
      1000, 64, 5, Duration.ofSeconds(2));

  public boolean any() {
    return connect != null || join != null || publish != null;
  }

  static HookConfig from(Settings s, boolean hookSignIn) {
    URI connect = s.httpUrl("CONNECT_HOOK_URL");
    URI join = s.httpUrl("JOIN_HOOK_URL");
    URI publish = s.httpUrl("PUBLISH_HOOK_URL");
    String channels = s.string("PUBLISH_HOOK_CHANNELS", "");
    NamePatterns publishChannels;
    try {
      publishChannels = NamePatterns.channels(channels);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("PUBLISH_HOOK_CHANNELS=" + channels + ": " + e.getMessage()
          + " (comma-separated channel names, or prefixes such as group/* or user/*)");
    }
    if (hookSignIn && connect == null) {
      throw new ConfigException("AUTH_MODE=hook needs CONNECT_HOOK_URL, the backend's URL that signs sessions in");
    }
    if (!hookSignIn && connect != null) {
      throw new ConfigException("CONNECT_HOOK_URL is used only with AUTH_MODE=hook: set AUTH_MODE=hook, or drop it");
    }
    if (publish != null && publishChannels.isEmpty()) {
      throw new ConfigException("PUBLISH_HOOK_URL is set but PUBLISH_HOOK_CHANNELS names no channel, so no send would"
          + " reach it: set PUBLISH_HOOK_CHANNELS (e.g. group/*,user/*)");
    }
    if (publish == null && !publishChannels.isEmpty()) {
      throw new ConfigException("PUBLISH_HOOK_CHANNELS is set without PUBLISH_HOOK_URL: set the URL, or drop it");
    }
    String secret = s.keyOfAtLeast32Bytes("HOOK_SECRET");
    boolean any = connect != null || join != null || publish != null;
    if (any && secret == null) {
      throw new ConfigException("hooks need HOOK_SECRET (or HOOK_SECRET_FILE), at least 32 bytes, to sign their"
          + " requests (e.g. openssl rand -hex 32)");
    }
    return new HookConfig(secret,
        s.duration("HOOK_TIMEOUT", NONE.timeout, Duration.ofMillis(10), Duration.ofMinutes(1)),
        connect, join, publish, publishChannels,
        s.integer("HOOK_MAX_IN_FLIGHT", NONE.maxInFlight, 1, 1_000_000),
        s.integer("HOOK_CONNECTIONS", NONE.connections, 1, 10_000),
        s.integer("HOOK_BREAKER_FAILURES", NONE.breakerFailures, 1, 1_000_000),
        s.duration("HOOK_BREAKER_OPEN", NONE.breakerOpen, Duration.ofMillis(100), Duration.ofMinutes(10)));
  }
}
