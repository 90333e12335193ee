package chat.gateway.auth;

import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import chat.protocol.ErrorCode;
import chat.protocol.Ids;
import chat.protocol.ProtocolException;

/**
 * Dev auth mode: {@code connect} names the user and nobody checks; everyone may broadcast. A token is
 * still verified when keys are configured, so the same client works in both modes.
 */
final class DevAuthenticator implements Authenticator {
  private final JwtVerifier tokens;

  DevAuthenticator(JwtVerifier tokens) {
    this.tokens = tokens;
  }

  @Override
  public Identity authenticate(ClientFrame.Connect connect) {
    if (connect.user() != null) {
      return new Identity(Ids.require(connect.user(), "user"), true);
    }
    if (connect.token() != null && tokens != null) {
      return tokens.authenticate(connect);
    }
    throw new ProtocolException(ErrorCode.UNAUTHORIZED, "dev auth mode: connect needs a user");
  }

  @Override
  public Identity refresh(String token) {
    if (tokens == null) {
      throw new ProtocolException(ErrorCode.UNAUTHORIZED, "dev auth mode without keys: no token to refresh");
    }
    return tokens.refresh(token);
  }

  @Override
  public boolean grantsJoin(String token, String user, Channel channel) {
    return tokens != null && tokens.grantsJoin(token, user, channel);
  }
}
