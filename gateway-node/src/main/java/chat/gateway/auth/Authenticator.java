package chat.gateway.auth;

import chat.gateway.config.GatewayConfig;
import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;

/**
 * Turns a {@code connect} frame into an identity, or fails {@code unauthorized}; {@code unavailable} when a key
 * it needs (an identity provider's, {@code JWT_JWKS_URL}) cannot be fetched now. CPU only, unless a token
 * names a provider's key not read yet.
 */
public interface Authenticator {

  Future<Identity> signIn(ClientFrame.Connect connect);

  /** The identity a refresh token signs in as, verified as a connect's token is. */
  Future<Identity> refresh(String token);

  /** Whether {@code token}, a join token, grants {@code user} the closed group {@code channel}. */
  Future<Boolean> grantsJoin(String token, String user, Channel channel);

  static Authenticator of(GatewayConfig.AuthConfig config, Clock clock, Vertx vertx) {
    KeySet keySet = config.jwksUrl() == null ? null : new KeySet(vertx, config.jwksUrl(), clock);
    boolean keys = config.hmacSecret() != null || config.publicKeyPem() != null || keySet != null;
    return switch (config.mode()) {
      case DEV -> new DevAuthenticator(keys ? new JwtVerifier(config, clock, keySet) : null);
      case JWT -> new JwtVerifier(config, clock, keySet);
    };
  }
}
