package chat.gateway.auth;

import chat.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints an HS256 token for a user from the node's own {@code JWT_SECRET} (or {@code JWT_SECRET_FILE}), so
 * that JWT mode can be tried without an identity provider: {@code scripts/mint-jwt.sh alice [hours]}.
 * In production the identity provider signs tokens; this is for trying it out and for operators.
 */
public final class TokenMinter {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private TokenMinter() {
  }

  /** A token for {@code user} valid for {@code ttl} from now, signed with {@code secret}. */
  public static String hs256(String secret, String user, Duration ttl, Clock clock) {
    long now = clock.instant().getEpochSecond();
    return hs256(secret, new JsonObject().put("sub", user).put("iat", now).put("exp", now + ttl.toSeconds()));
  }

  /** {@code claims} signed HS256 with {@code secret}. */
  public static String hs256(String secret, JsonObject claims) {
    String input = part(new JsonObject().put("alg", "HS256").put("typ", "JWT")) + "." + part(claims);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String part(JsonObject json) {
    return B64.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** {@code USER [HOURS]}: prints a token for USER valid HOURS (default 24), from JWT_SECRET(_FILE). */
  public static void main(String[] args) {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: TokenMinter USER [HOURS]   (reads JWT_SECRET or JWT_SECRET_FILE)");
      System.exit(2);
    }
    Map<String, String> env = System.getenv();
    String secret = GatewayConfig.secret(env, "JWT_SECRET");
    if (secret == null || secret.getBytes(StandardCharsets.UTF_8).length < 32) {
      System.err.println("set JWT_SECRET (or JWT_SECRET_FILE) to the nodes' HS256 secret, at least 32 bytes");
      System.exit(2);
    }
    long hours = args.length == 2 ? Long.parseLong(args[1]) : 24;
    System.out.println(hs256(secret, args[0], Duration.ofHours(hours), Clock.systemUTC()));
  }
}
