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

  /** A token signed with an identity provider's key named {@code kid} (RS256, ES256 or EdDSA by the key's type). */
  public static String withKid(String kid, PrivateKey key, JsonObject claims) {
    String alg = key.getAlgorithm().equals("RSA") ? "RS256" : key.getAlgorithm().equals("EC") ? "ES256" : "EdDSA";
    String jca = switch (alg) {
      case "RS256" -> "SHA256withRSA";
      case "ES256" -> "SHA256withECDSAinP1363Format";
      default -> "Ed25519";
    };
    return signed(new JsonObject().put("alg", alg).put("typ", "JWT").put("kid", kid), jca, key, claims);
  }

  public static KeyPair ed25519() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code key} as a JWK (RFC 7517, 7518, 8037) named {@code kid}, as a provider's JWKS document lists it. */
  public static JsonObject jwk(String kid, PublicKey key) {
    JsonObject jwk = new JsonObject().put("kid", kid).put("use", "sig");
    if (key instanceof java.security.interfaces.RSAPublicKey rsa) {
      return jwk.put("kty", "RSA").put("n", unsigned(rsa.getModulus(), 0)).put("e", unsigned(rsa.getPublicExponent(), 0));
    }
    if (key instanceof java.security.interfaces.ECPublicKey ec) {
      return jwk.put("kty", "EC").put("crv", "P-256").put("x", unsigned(ec.getW().getAffineX(), 32))
          .put("y", unsigned(ec.getW().getAffineY(), 32));
    }
    java.security.interfaces.EdECPublicKey ed = (java.security.interfaces.EdECPublicKey) key;
    byte[] y = ed.getPoint().getY().toByteArray();
    byte[] encoded = new byte[32];
    for (int i = 0; i < Math.min(32, y.length); i++) {
      encoded[i] = y[y.length - 1 - i]; // little-endian
    }
    if (ed.getPoint().isXOdd()) {
      encoded[31] |= (byte) 0x80;
    }
    return jwk.put("kty", "OKP").put("crv", "Ed25519").put("x", B64.encodeToString(encoded));
  }

  private static String unsigned(java.math.BigInteger value, int length) {
    byte[] bytes = value.toByteArray();
    int start = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
    byte[] trimmed = java.util.Arrays.copyOfRange(bytes, start, bytes.length);
    if (length > trimmed.length) {
      byte[] padded = new byte[length];
      System.arraycopy(trimmed, 0, padded, length - trimmed.length, trimmed.length);
      trimmed = padded;
    }
    return B64.encodeToString(trimmed);
  }

  private static String signed(String alg, String jca, PrivateKey key, JsonObject claims) {
    return signed(new JsonObject().put("alg", alg).put("typ", "JWT"), jca, key, claims);
  }

  private static String signed(JsonObject header, String jca, PrivateKey key, JsonObject claims) {
    String input = part(header) + "." + part(claims);
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
