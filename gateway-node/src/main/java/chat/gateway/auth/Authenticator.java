package chat.gateway.auth;

import chat.gateway.config.GatewayConfig;
import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import java.time.Clock;

/** Turns a {@code connect} frame into an identity, or throws {@code unauthorized}. Pure CPU, no I/O. */
public interface Authenticator {

  Identity authenticate(ClientFrame.Connect connect);

  /** The identity a refresh token signs in as, verified as a connect's token is; {@code unauthorized} otherwise. */
  Identity refresh(String token);

  /** Whether {@code token}, a join token, grants {@code user} the closed group {@code channel}. */
  boolean grantsJoin(String token, String user, Channel channel);

  static Authenticator of(GatewayConfig.AuthConfig config, Clock clock) {
    return switch (config.mode()) {
      case DEV -> new DevAuthenticator(config.hmacSecret() != null || config.publicKeyPem() != null
          ? new JwtVerifier(config, clock) : null);
      case JWT -> new JwtVerifier(config, clock);
    };
  }
}
