package chat.gateway.auth;

import chat.gateway.access.NamePatterns;
import chat.gateway.config.ConfigException;
import chat.gateway.config.GatewayConfig;
import chat.gateway.hook.ClientRequest;
import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import chat.protocol.ErrorCode;
import chat.protocol.Ids;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * JWT mode: compact JWS tokens signed with HS256 (shared secret), RS256 or ES256 (a public key, PEM), or with
 * an identity provider's keys ({@code JWT_JWKS_URL}, by {@code kid}: RS256, ES256, EdDSA; {@link KeySet}).
 * The header's {@code alg} must be one the configured keys serve: {@code none}, and an HS256 token against a
 * public key (the classic algorithm confusion), are rejected. {@code sub} is the user, {@code "role":"admin"}
 * may broadcast, {@code groups} grants closed groups; {@code exp} and {@code nbf} are honoured with a small
 * leeway. Join tokens (a {@code channel} claim) are checked by {@link #grantsJoin} and never sign in.
 */
final class JwtVerifier implements Authenticator {
  private static final System.Logger LOG = System.getLogger(JwtVerifier.class.getName());
  private static final Base64.Decoder B64 = Base64.getUrlDecoder();

  private final byte[] hmacSecret;
  private final PublicKey publicKey;
  private final String publicAlg;
  /** Algorithms an identity provider's key set may serve. */
  private static final java.util.Set<String> PROVIDER_ALGORITHMS = java.util.Set.of("RS256", "ES256", "EdDSA");
  private final KeySet keySet;
  private final Clock clock;
  private final long leewaySeconds;
  private final long maxLifetimeSeconds;
  private final String audience;
  private final String issuer;

  /** @param keySet the provider's keys ({@code JWT_JWKS_URL}), or null */
  JwtVerifier(GatewayConfig.AuthConfig config, Clock clock, KeySet keySet) {
    this.hmacSecret = config.hmacSecret() == null ? null : config.hmacSecret().getBytes(StandardCharsets.UTF_8);
    this.publicKey = config.publicKeyPem() == null ? null : parsePem(config.publicKeyPem());
    this.publicAlg = publicKey instanceof RSAPublicKey ? "RS256" : publicKey instanceof ECPublicKey ? "ES256" : null;
    this.keySet = keySet;
    this.clock = clock;
    this.leewaySeconds = config.leeway().toSeconds();
    this.maxLifetimeSeconds = config.maxLifetime().toSeconds();
    this.audience = config.audience();
    this.issuer = config.issuer();
  }

  @Override
  public Future<Identity> signIn(ClientFrame.Connect connect, ClientRequest client) {
    if (connect.token() == null) {
      return Future.failedFuture(unauthorized("connect needs a token"));
    }
    return verified(connect.token()).map(this::identity);
  }

  @Override
  public Future<Identity> refresh(ClientFrame.Refresh refresh, ClientRequest client, String device) {
    if (refresh.token() == null) {
      return Future.failedFuture(new ProtocolException(ErrorCode.BAD_REQUEST,
          "refresh with data is for hook sign-in; send a token"));
    }
    return verified(refresh.token()).map(this::identity);
  }

  /**
   * A join token grants {@code user} {@code channel} when it is signed with these keys, names the user
   * ({@code sub}) and the channel ({@code channel}), and has not expired ({@code exp} required); anything else
   * is no grant (the join may still have another). Keys that cannot be fetched now: {@code unavailable}.
   */
  @Override
  public Future<Boolean> grantsJoin(String token, String user, Channel channel) {
    return verified(token).map(claims -> {
      current(claims);
      return user.equals(claims.getValue("sub")) && channel.name().equals(claims.getValue("channel"));
    }).recover(e -> e instanceof ProtocolException p && p.code() == ErrorCode.UNAVAILABLE
        ? Future.failedFuture(e) : Future.succeededFuture(false));
  }

  /**
   * The claims of a token whose signature these keys verify; {@code unauthorized} otherwise, {@code unavailable}
   * when its key is the provider's and cannot be fetched now.
   */
  private Future<JsonObject> verified(String token) {
    try {
      String[] parts = token.split("\\.", -1);
      if (parts.length != 3) {
        throw unauthorized("token is not a JWT");
      }
      JsonObject header = json(parts[0]);
      JsonObject claims = json(parts[1]);
      byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
      byte[] signature = decode(parts[2]);
      if (!(header.getValue("alg") instanceof String alg)) {
        throw unauthorized("token signature is not valid");
      }
      if ((alg.equals("HS256") && hmacSecret != null) || alg.equals(publicAlg)) {
        if (!verify(alg, alg.equals("HS256") ? null : publicKey, signed, signature)) {
          throw unauthorized("token signature is not valid");
        }
        return Future.succeededFuture(claims);
      }
      if (keySet == null || !PROVIDER_ALGORITHMS.contains(alg) || !(header.getValue("kid") instanceof String kid)) {
        throw unauthorized("token signature is not valid");
      }
      return keySet.key(kid).map(key -> {
        if (key == null) {
          throw refused("token signature is not valid", "kid " + quoted(kid) + " is not in the key set at JWT_JWKS_URL");
        }
        if (!verify(alg, key, signed, signature)) {
          throw unauthorized("token signature is not valid");
        }
        return claims;
      });
    } catch (ProtocolException e) {
      return Future.failedFuture(e);
    }
  }

  /** HS256 with the secret ({@code key} null), or RS256, ES256, EdDSA with a public key of the matching type. */
  private boolean verify(String alg, PublicKey key, byte[] signed, byte[] signature) {
    try {
      if (alg.equals("HS256")) {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(hmacSecret, "HmacSHA256"));
        return MessageDigest.isEqual(mac.doFinal(signed), signature);
      }
      String jca = switch (alg) {
        case "RS256" -> key instanceof RSAPublicKey ? "SHA256withRSA" : null;
        case "ES256" -> key instanceof ECPublicKey ? "SHA256withECDSAinP1363Format" : null;
        case "EdDSA" -> key instanceof java.security.interfaces.EdECPublicKey ? "Ed25519" : null;
        default -> null;
      };
      if (jca == null) {
        return false;
      }
      Signature verifier = Signature.getInstance(jca);
      verifier.initVerify(key);
      verifier.update(signed);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private Identity identity(JsonObject claims) {
    long exp = current(claims);
    long now = clock.millis() / 1000;
    Long iat = numericClaim(claims, "iat");
    long from = iat == null ? now : Math.min(iat, now);
    if (exp - from > maxLifetimeSeconds + leewaySeconds) {
      throw refused("token lives too long", "lives " + (exp - from) + " s, JWT_MAX_LIFETIME is "
          + maxLifetimeSeconds + " s");
    }
    Object sub = claims.getValue("sub");
    if (!(sub instanceof String user) || !Ids.valid(user)) {
      throw unauthorized("token sub must be a user id of 1 to 64 characters of [A-Za-z0-9_.-]");
    }
    if (claims.containsKey("channel")) {
      throw unauthorized("a join token (it has a channel claim) does not sign in");
    }
    return new Identity(user, "admin".equals(claims.getValue("role")), groups(claims.getValue("groups")),
        exp * 1000, (exp - from) * 1000);
  }

  /**
   * What every token of this node must be, a sign-in's or a join's: with {@code exp}, in its time ({@code exp},
   * {@code nbf}, with the leeway), for this application ({@code JWT_ISSUER}, {@code JWT_AUDIENCE}). Its
   * {@code exp}; {@code unauthorized} otherwise.
   */
  private long current(JsonObject claims) {
    long now = clock.millis() / 1000;
    Long exp = numericClaim(claims, "exp");
    if (exp == null) {
      throw unauthorized("token needs exp: a token that never expires is refused");
    }
    if (now > exp + leewaySeconds) {
      throw unauthorized("token expired");
    }
    if (issuer != null && !issuer.equals(claims.getValue("iss"))) {
      throw refused("token issuer is not accepted", "iss " + quoted(claims.getValue("iss")) + " is not JWT_ISSUER "
          + quoted(issuer));
    }
    if (audience != null && !audiences(claims.getValue("aud")).contains(audience)) {
      throw refused("token audience is not accepted", "aud " + quoted(claims.getValue("aud"))
          + " does not name JWT_AUDIENCE " + quoted(audience));
    }
    Long nbf = numericClaim(claims, "nbf");
    if (nbf != null && now + leewaySeconds < nbf) {
      throw unauthorized("token not valid yet");
    }
    return exp;
  }

  /** The {@code groups} claim: absent, or an array of group ids and prefixes ending in {@code *}. */
  private static NamePatterns groups(Object claim) {
    if (claim == null) {
      return NamePatterns.NONE;
    }
    if (claim instanceof io.vertx.core.json.JsonArray array && array.stream().allMatch(String.class::isInstance)) {
      try {
        return NamePatterns.of(array.stream().map(String.class::cast).toList());
      } catch (IllegalArgumentException e) {
        throw unauthorized("token groups: " + e.getMessage());
      }
    }
    throw unauthorized("token groups must be an array of group ids and prefixes ending in *");
  }

  /** {@code aud} is one string or an array of them (RFC 7519, 4.1.3). */
  private static java.util.List<Object> audiences(Object aud) {
    if (aud instanceof io.vertx.core.json.JsonArray array) {
      return array.getList();
    }
    return aud == null ? java.util.List.of() : java.util.List.of(aud);
  }

  private static Long numericClaim(JsonObject claims, String name) {
    Object value = claims.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n)) {
      throw unauthorized("token " + name + " must be a number");
    }
    return n.longValue();
  }

  private static JsonObject json(String part) {
    try {
      return new JsonObject(new String(decode(part), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw unauthorized("token is not a JWT");
    }
  }

  private static byte[] decode(String part) {
    try {
      return B64.decode(part);
    } catch (IllegalArgumentException e) {
      throw unauthorized("token is not a JWT");
    }
  }

  private static PublicKey parsePem(String pem) {
    String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
    byte[] der;
    try {
      der = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("JWT_PUBLIC_KEY is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
    }
    for (String type : new String[] {"RSA", "EC"}) {
      try {
        return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next key type
      }
    }
    throw new ConfigException("JWT_PUBLIC_KEY is neither an RSA nor an EC public key");
  }

  /**
   * A refusal whose reason lies in the node's settings: the client hears only {@code told}, the log has
   * {@code detail} (an operator looking for a misconfigured issuer or audience finds it there). At most as
   * many lines as the node admits new sessions.
   */
  private static ProtocolException refused(String told, String detail) {
    LOG.log(Level.INFO, "JWT refused: " + detail);
    return unauthorized(told);
  }

  /** A claim as JSON, cut short: what the client wrote goes into the log on one line, escaped. */
  private static String quoted(Object value) {
    String json = Json.encode(value);
    return json.length() <= 120 ? json : json.substring(0, 120) + "...";
  }

  private static ProtocolException unauthorized(String message) {
    return new ProtocolException(ErrorCode.UNAUTHORIZED, message);
  }
}
