package chat.gateway.auth;

import chat.gateway.hook.ClientRequest;
import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import chat.protocol.ErrorCode;
import chat.protocol.Ids;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;

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
  public Future<Identity> signIn(ClientFrame.Connect connect, ClientRequest client) {
    if (connect.user() != null) {
      try {
        return Future.succeededFuture(new Identity(Ids.require(connect.user(), "user"), true));
      } catch (ProtocolException e) {
        return Future.failedFuture(e);
      }
    }
    if (connect.token() != null && tokens != null) {
      return tokens.signIn(connect, client);
    }
    return Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, "dev auth mode: connect needs a user"));
  }

  @Override
  public Future<Identity> refresh(ClientFrame.Refresh refresh, ClientRequest client, String device) {
    if (tokens == null) {
      return Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED,
          "dev auth mode without keys: no token to refresh"));
    }
    return tokens.refresh(refresh, client, device);
  }

  @Override
  public Future<Boolean> grantsJoin(String token, String user, Channel channel) {
    return tokens == null ? Future.succeededFuture(false) : tokens.grantsJoin(token, user, channel);
  }
}
