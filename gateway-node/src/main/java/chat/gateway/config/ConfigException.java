package chat.gateway.config;

/** A configuration value that cannot be used; the message names the setting and says what it takes. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
