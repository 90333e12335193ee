package chat.gateway.auth;

import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * An identity provider's signing keys, from its JWKS document ({@code JWT_JWKS_URL}), by {@code kid}: RSA
 * (RS256), EC P-256 (ES256) and OKP Ed25519 (EdDSA). Kept once read; a token naming a {@code kid} the keys
 * lack makes the document be read again (the provider rotated its keys), at most once per 10 s, so tokens
 * with made-up {@code kid}s cannot make this node hammer the provider. A document that cannot be read is
 * {@code unavailable}, never {@code unauthorized}: the token may be fine. Thread-safe.
 */
final class KeySet {
  private static final System.Logger LOG = System.getLogger(KeySet.class.getName());
  static final long REFETCH_MILLIS = 10_000;
  private static final Base64.Decoder B64 = Base64.getUrlDecoder();

  private final HttpClient http;
  private final RequestOptions request;
  private final String url;
  private final Clock clock;
  private volatile Map<String, PublicKey> keys = Map.of();
  /** When the document was last asked for (0: never), and the fetch in flight or last done. */
  private long fetchedAt;
  private Future<Map<String, PublicKey>> fetch;

  KeySet(Vertx vertx, String url, Clock clock) {
    this.url = url;
    this.clock = clock;
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000).setKeepAlive(true));
    this.request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setIdleTimeout(10_000)
        .addHeader("Accept", "application/json");
  }

  /**
   * The key named {@code kid}; null when the provider's document has none of that name (read again first if
   * it was not read in the last 10 s); fails {@code unavailable} when the document cannot be read.
   */
  Future<PublicKey> key(String kid) {
    PublicKey known = keys.get(kid);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return fetch().map(fresh -> fresh.get(kid));
  }

  private synchronized Future<Map<String, PublicKey>> fetch() {
    long now = clock.millis();
    if (fetch != null && (!fetch.isComplete() || now - fetchedAt < REFETCH_MILLIS)) {
      return fetch;
    }
    fetchedAt = now;
    Promise<Map<String, PublicKey>> fetched = Promise.promise();
    fetch = fetched.future();
    http.request(request).compose(req -> req.send().compose(response -> response.statusCode() == 200
            ? response.body() : Future.failedFuture("HTTP " + response.statusCode())))
        .map(body -> parse(new JsonObject(body)))
        .onSuccess(parsed -> keys = parsed)
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.log(Level.WARNING, "the key set at JWT_JWKS_URL (" + url + ") cannot be read: " + ar.cause().getMessage());
            fetched.fail(new ProtocolException(ErrorCode.UNAVAILABLE,
                "the keys to check the token cannot be fetched now; try again"));
          } else {
            fetched.complete(ar.result());
          }
        });
    return fetch;
  }

  /** The signing keys of a JWKS document, by {@code kid}; keys of other types or uses are left out. */
  static Map<String, PublicKey> parse(JsonObject jwks) {
    Map<String, PublicKey> keys = new HashMap<>();
    JsonArray list = jwks.getJsonArray("keys", new JsonArray());
    for (Object entry : list) {
      if (!(entry instanceof JsonObject jwk) || !(jwk.getValue("kid") instanceof String kid)
          || "enc".equals(jwk.getString("use"))) {
        continue;
      }
      try {
        PublicKey key = key(jwk);
        if (key != null) {
          keys.put(kid, key);
        }
      } catch (GeneralSecurityException | RuntimeException e) {
        LOG.log(Level.WARNING, "JWKS key " + kid + " left out: " + e.getMessage());
      }
    }
    return Map.copyOf(keys);
  }

  private static PublicKey key(JsonObject jwk) throws GeneralSecurityException {
    return switch (jwk.getString("kty", "")) {
      case "RSA" -> KeyFactory.getInstance("RSA").generatePublic(
          new RSAPublicKeySpec(unsigned(jwk.getString("n")), unsigned(jwk.getString("e"))));
      case "EC" -> {
        if (!"P-256".equals(jwk.getString("crv"))) {
          yield null;
        }
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp256r1"));
        ECPoint point = new ECPoint(unsigned(jwk.getString("x")), unsigned(jwk.getString("y")));
        yield KeyFactory.getInstance("EC").generatePublic(
            new ECPublicKeySpec(point, parameters.getParameterSpec(ECParameterSpec.class)));
      }
      case "OKP" -> {
        if (!"Ed25519".equals(jwk.getString("crv"))) {
          yield null;
        }
        // RFC 8037: x is the public key as RFC 8032 encodes it, y little-endian with x's parity in the top bit
        byte[] encoded = B64.decode(jwk.getString("x"));
        boolean xOdd = (encoded[encoded.length - 1] & 0x80) != 0;
        encoded[encoded.length - 1] &= 0x7f;
        byte[] bigEndian = new byte[encoded.length];
        for (int i = 0; i < encoded.length; i++) {
          bigEndian[i] = encoded[encoded.length - 1 - i];
        }
        yield KeyFactory.getInstance("Ed25519").generatePublic(
            new EdECPublicKeySpec(NamedParameterSpec.ED25519, new EdECPoint(xOdd, new BigInteger(1, bigEndian))));
      }
      default -> null;
    };
  }

  private static BigInteger unsigned(String base64url) {
    return new BigInteger(1, B64.decode(base64url));
  }
}
