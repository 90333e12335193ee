package chat.gateway.testing;

import chat.gateway.auth.TokenMinter;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/** Makes JWTs for tests, the way an identity provider would. */
public final class Jwts {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Jwts() {
  }

  public static String hs256(String secret, JsonObject claims) {
    return TokenMinter.hs256(secret, claims);
  }

  public static String rs256(PrivateKey key, JsonObject claims) {
    return signed("RS256", "SHA256withRSA", key, claims);
  }

  public static String es256(PrivateKey key, JsonObject claims) {
    return signed("ES256", "SHA256withECDSAinP1363Format", key, claims);
  }

  /** An unsigned token ({@code alg: none}), which must never be accepted. */
  public static String none(JsonObject claims) {
    return part(new JsonObject().put("alg", "none")) + "." + part(claims) + ".";
  }

  public static KeyPair rsa() {
    return generate("RSA", null);
  }

  public static KeyPair ec() {
    return generate("EC", new ECGenParameterSpec("secp256r1"));
  }

  public static String pem(PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(key.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
  }

  public static JsonObject claims(String sub, long expEpochSeconds) {
    return new JsonObject().put("sub", sub).put("exp", expEpochSeconds);
  }

  private static String signed(String alg, String jca, PrivateKey key, JsonObject claims) {
    String input = part(new JsonObject().put("alg", alg).put("typ", "JWT")) + "." + part(claims);
    try {
      Signature signature = Signature.getInstance(jca);
      signature.initSign(key);
      signature.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + B64.encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair generate(String type, ECGenParameterSpec spec) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(type);
      if (spec != null) {
        generator.initialize(spec);
      } else {
        generator.initialize(2048);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String part(JsonObject json) {
    return B64.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }
}
