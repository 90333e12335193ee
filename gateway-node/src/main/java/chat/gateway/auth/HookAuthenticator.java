package chat.gateway.auth;

import chat.gateway.access.NamePatterns;
import chat.gateway.hook.ClientRequest;
import chat.gateway.hook.Hooks;
import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import chat.protocol.ErrorCode;
import chat.protocol.Ids;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import java.lang.System.Logger.Level;
import java.time.Clock;

/**
 * Hook sign-in ({@code AUTH_MODE=hook}): the application's connect hook is asked who the client is, with what the
 * upgrade request said (its cookie, most often), {@code connect.data} and the device. Its {@code user},
 * {@code groups}, {@code role} and {@code expires} make the identity; {@code {"error":{...}}} or a user id that is
 * not one is {@code unauthorized}; a hook that fails is {@code unavailable}, never a sign-in. A refresh asks it
 * again with the refresh's {@code data}. Join tokens are verified with the sign-in keys, when there are any.
 */
final class HookAuthenticator implements Authenticator {
  private static final System.Logger LOG = System.getLogger(HookAuthenticator.class.getName());

  private final Hooks hooks;
  private final JwtVerifier joinTokens;
  private final Clock clock;

  HookAuthenticator(Hooks hooks, JwtVerifier joinTokens, Clock clock) {
    this.hooks = hooks;
    this.joinTokens = joinTokens;
    this.clock = clock;
  }

  @Override
  public boolean asksHook() {
    return true;
  }

  @Override
  public Future<Identity> signIn(ClientFrame.Connect connect, ClientRequest client) {
    return hooks.connect(client, connect.data(), connect.device()).map(this::identity);
  }

  @Override
  public Future<Identity> refresh(ClientFrame.Refresh refresh, ClientRequest client, String device) {
    if (refresh.data() == null) {
      return Future.failedFuture(new ProtocolException(ErrorCode.BAD_REQUEST,
          "this node signs sessions in through the application's connect hook: refresh with data, not a token"));
    }
    return hooks.connect(client, refresh.data(), device).map(this::identity);
  }

  @Override
  public Future<Boolean> grantsJoin(String token, String user, Channel channel) {
    return joinTokens == null ? Future.succeededFuture(false) : joinTokens.grantsJoin(token, user, channel);
  }

  private Identity identity(Hooks.SignIn answer) {
    if (answer.error() != null) {
      throw new ProtocolException(ErrorCode.UNAUTHORIZED, answer.error());
    }
    if (!Ids.valid(answer.user())) {
      LOG.log(Level.WARNING, "the connect hook named an invalid user id " + quoted(answer.user())
          + ": user ids are 1 to 64 characters of [A-Za-z0-9_.-]; the connect is refused");
      throw new ProtocolException(ErrorCode.UNAUTHORIZED, "the application named an invalid user id");
    }
    NamePatterns groups;
    try {
      groups = NamePatterns.of(answer.groups());
    } catch (IllegalArgumentException e) {
      LOG.log(Level.WARNING, "the connect hook's groups for " + answer.user() + " are not group ids or prefixes: "
          + e.getMessage());
      throw new ProtocolException(ErrorCode.UNAVAILABLE, "the application's connect hook answered groups that are"
          + " not group ids; retry shortly");
    }
    long expires = answer.expires() == null ? 0 : answer.expires();
    long now = clock.millis();
    if (answer.expires() != null && expires <= now) {
      throw new ProtocolException(ErrorCode.UNAUTHORIZED, "the sign-in the application gave has expired already");
    }
    return new Identity(answer.user(), "admin".equals(answer.role()), groups, expires,
        expires == 0 ? 0 : expires - now);
  }

  private static String quoted(String value) {
    String cut = value.length() > 120 ? value.substring(0, 120) + "..." : value;
    return io.vertx.core.json.Json.encode(cut);
  }
}
