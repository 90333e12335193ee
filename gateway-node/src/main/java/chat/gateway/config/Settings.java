package chat.gateway.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Typed reads of named settings from a string map (the environment), failing with the setting's name. */
final class Settings {
  private final Map<String, String> values;

  Settings(Map<String, String> values) {
    this.values = values;
  }

  String string(String name, String fallback) {
    String value = values.get(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  /**
   * A secret: the value of {@code name}, or the contents of the file that {@code name_FILE} names (Docker
   * and Kubernetes secrets), trimmed; null when neither is set. Both set is an error.
   */
  String secret(String name) {
    String direct = string(name, null);
    String file = string(name + "_FILE", null);
    if (file == null) {
      return direct;
    }
    if (direct != null) {
      throw new ConfigException(name + " and " + name + "_FILE are both set: keep one");
    }
    try {
      String value = Files.readString(Path.of(file)).trim();
      if (value.isEmpty()) {
        throw new ConfigException(name + "_FILE=" + file + " is empty");
      }
      return value;
    } catch (IOException e) {
      throw new ConfigException(name + "_FILE=" + file + " cannot be read: " + e.getMessage());
    }
  }

  /** {@code name}: an http:// or https:// URL with a host; null when not set. */
  java.net.URI httpUrl(String name) {
    String raw = string(name, null);
    if (raw == null) {
      return null;
    }
    try {
      java.net.URI uri = new java.net.URI(raw);
      if (uri.getScheme() == null || !uri.getScheme().matches("(?i)https?") || uri.getHost() == null) {
        throw new java.net.URISyntaxException(raw, "not http(s) with a host");
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException(name + "=" + raw + " must be an http:// or https:// URL with a host");
    }
  }

  /** The secret {@code name}: none, or at least 32 bytes (a guessable key guards nothing). */
  String keyOfAtLeast32Bytes(String name) {
    String value = secret(name);
    if (value != null && value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
      throw new ConfigException(name + " must be at least 32 bytes (e.g. openssl rand -hex 32); it is "
          + value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
    return value;
  }

  int integer(String name, int fallback, int min, int max) {
    return (int) number(name, fallback, min, max);
  }

  long number(String name, long fallback, long min, long max) {
    String raw = string(name, null);
    if (raw == null) {
      return fallback;
    }
    long value = parse(name, raw, "a whole number", Long::parseLong);
    if (value < min || value > max) {
      throw new ConfigException(name + "=" + raw + " is out of range: it takes " + min + " to " + max);
    }
    return value;
  }

  double decimal(String name, double fallback, double min, double max) {
    String raw = string(name, null);
    if (raw == null) {
      return fallback;
    }
    double value = parse(name, raw, "a number", Double::parseDouble);
    if (!(value >= min && value <= max)) {
      throw new ConfigException(name + "=" + raw + " is out of range: it takes " + min + " to " + max);
    }
    return value;
  }

  boolean bool(String name, boolean fallback) {
    String raw = string(name, null);
    if (raw == null) {
      return fallback;
    }
    return switch (raw.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new ConfigException(name + "=" + raw + " is not a boolean: use true or false");
    };
  }

  /** A duration: a number with a unit ms, s, m or h (a bare number means seconds). */
  Duration duration(String name, Duration fallback, Duration min, Duration max) {
    String raw = string(name, null);
    if (raw == null) {
      return fallback;
    }
    Duration value = parse(name, raw, "a duration such as 500ms, 10s, 5m or 24h", Settings::parseDuration);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new ConfigException(name + "=" + raw + " is out of range: it takes " + min + " to " + max);
    }
    return value;
  }

  private static Duration parseDuration(String raw) {
    String s = raw.toLowerCase(Locale.ROOT);
    if (s.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
    }
    long amount = Long.parseLong(s.replaceAll("[smh]$", ""));
    if (s.endsWith("h")) {
      return Duration.ofHours(amount);
    }
    if (s.endsWith("m")) {
      return Duration.ofMinutes(amount);
    }
    return Duration.ofSeconds(amount);
  }

  private static <T> T parse(String name, String raw, String what, Function<String, T> parser) {
    try {
      return parser.apply(raw);
    } catch (RuntimeException e) {
      throw new ConfigException(name + "=" + raw + " is not " + what);
    }
  }
}
