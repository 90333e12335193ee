package chat.gateway.config;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Webhooks (1.1, "Webhooks"): where the cluster posts what happened ({@code null}: nowhere), which events, how
 * many per batch, and how long and how many events wait for a backend that does not take them.
 *
 * @param url        {@code WEBHOOK_URL}: http or https
 * @param secret     {@code WEBHOOK_SECRET}: key of every batch's signature, at least 32 bytes
 * @param events     {@code WEBHOOK_EVENTS}: the event types posted (default all)
 * @param batch      {@code WEBHOOK_BATCH}: most events in one post
 * @param maxAge     {@code WEBHOOK_MAX_AGE}: an event not delivered by then is dropped and counted
 * @param maxBacklog {@code WEBHOOK_MAX_BACKLOG}: most events waiting per shard; past it the oldest are dropped
 */
public record WebhookConfig(URI url, String secret, Set<Type> events, int batch, Duration maxAge, long maxBacklog) {
  /** The event types. */
  public enum Type {
    MESSAGE, MEMBER, PRESENCE, SESSION;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static final WebhookConfig NONE = new WebhookConfig(null, null, EnumSet.noneOf(Type.class), 100,
      Duration.ofHours(24), 1_000_000);

  public boolean on() {
    return url != null;
  }

  /** Whether events of {@code type} are posted. */
  public boolean posts(Type type) {
    return url != null && events.contains(type);
  }

  static WebhookConfig from(Settings s) {
    URI url = s.httpUrl("WEBHOOK_URL");
    String secret = s.secret("WEBHOOK_SECRET");
    if (url == null) {
      return NONE; // a secret alone is kept for later (compose always makes one)
    }
    if (secret == null || secret.getBytes(StandardCharsets.UTF_8).length < 32) {
      throw new ConfigException("WEBHOOK_URL needs WEBHOOK_SECRET (or WEBHOOK_SECRET_FILE), at least 32 bytes, to sign"
          + " its batches (e.g. openssl rand -hex 32)");
    }
    String list = s.string("WEBHOOK_EVENTS", "message,member,presence,session");
    Set<Type> events = EnumSet.noneOf(Type.class);
    for (String name : list.split(",")) {
      if (name.isBlank()) {
        continue;
      }
      try {
        events.add(Type.valueOf(name.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("WEBHOOK_EVENTS=" + list + ": '" + name.trim() + "' is not an event type (message,"
            + " member, presence, session)");
      }
    }
    if (events.isEmpty()) {
      throw new ConfigException("WEBHOOK_EVENTS=" + list + " names no event type: name some, or drop WEBHOOK_URL");
    }
    return new WebhookConfig(url, secret, Set.copyOf(events), s.integer("WEBHOOK_BATCH", NONE.batch, 1, 10_000),
        s.duration("WEBHOOK_MAX_AGE", NONE.maxAge, Duration.ofSeconds(1), Duration.ofDays(30)),
        s.number("WEBHOOK_MAX_BACKLOG", NONE.maxBacklog, 1, 1_000_000_000L));
  }
}
