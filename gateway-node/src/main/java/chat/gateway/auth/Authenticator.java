package chat.gateway.auth;

import chat.gateway.config.GatewayConfig;
import chat.gateway.hook.ClientRequest;
import chat.gateway.hook.Hooks;
import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;

/**
 * Turns a {@code connect} frame into an identity, or fails {@code unauthorized}; {@code unavailable} when what
 * it needs (an identity provider's key, {@code JWT_JWKS_URL}; the application's connect hook) cannot answer now.
 * CPU only under token sign-in, unless a token names a provider's key not read yet.
 */
public interface Authenticator {

  /** {@code client}: the upgrade request's facts, for the connect hook; null unless {@link #asksHook}. */
  Future<Identity> signIn(ClientFrame.Connect connect, ClientRequest client);

  /**
   * The identity a {@code refresh} signs in as: its token verified as a connect's token is, or (hook sign-in) the
   * connect hook's answer to its {@code data}; {@code bad_request} for the other kind of refresh.
   */
  Future<Identity> refresh(ClientFrame.Refresh refresh, ClientRequest client, String device);

  /** Whether {@code token}, a join token, grants {@code user} the closed group {@code channel}. */
  Future<Boolean> grantsJoin(String token, String user, Channel channel);

  /** Whether sign-in asks the application's connect hook (a connection then keeps its {@link ClientRequest}). */
  default boolean asksHook() {
    return false;
  }

  static Authenticator of(GatewayConfig.AuthConfig config, Clock clock, Vertx vertx, Hooks hooks) {
    KeySet keySet = config.jwksUrl() == null ? null : new KeySet(vertx, config.jwksUrl(), clock);
    boolean keys = config.hmacSecret() != null || config.publicKeyPem() != null || keySet != null;
    JwtVerifier tokens = keys ? new JwtVerifier(config, clock, keySet) : null;
    return switch (config.mode()) {
      case DEV -> new DevAuthenticator(tokens);
      case JWT -> tokens;
      case HOOK -> new HookAuthenticator(hooks, tokens, clock);
    };
  }
}
