package chat.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A shared secret presented as {@code Authorization: Bearer <secret>} (the HTTP API's key, the management
 * port's admin token), compared in constant time.
 */
public final class BearerToken {
  private final byte[] expected;

  private BearerToken(String secret) {
    this.expected = ("Bearer " + secret).getBytes(StandardCharsets.UTF_8);
  }

  /** The token for {@code secret}, or null when none is configured. */
  public static BearerToken of(String secret) {
    return secret == null ? null : new BearerToken(secret);
  }

  /** Whether {@code authorization} (the header's value, or null) presents this token. */
  public boolean accepts(String authorization) {
    return authorization != null && MessageDigest.isEqual(expected, authorization.getBytes(StandardCharsets.UTF_8));
  }
}
