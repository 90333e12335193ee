package chat.gateway.hook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a hook request as the contract says: {@code X-Chat-Signature: v1=<hex HMAC-SHA256 of
 * "<timestamp>.<body>">} keyed with {@code HOOK_SECRET}, the timestamp being {@code X-Chat-Timestamp}. A backend
 * checks it (and that the timestamp is recent) before trusting the request.
 */
public final class HookSigner {
  private final SecretKeySpec key;
  /** A Mac per thread: event loops sign at once, and a Mac is not thread-safe. */
  private final ThreadLocal<Mac> macs;

  public HookSigner(String secret) {
    this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /** The signature header's value for {@code body} sent at {@code timestampMillis}. */
  public String sign(long timestampMillis, byte[] body) {
    Mac mac = macs.get();
    mac.update((timestampMillis + ".").getBytes(StandardCharsets.US_ASCII));
    return "v1=" + HexFormat.of().formatHex(mac.doFinal(body));
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JRE", e);
    }
  }
}
