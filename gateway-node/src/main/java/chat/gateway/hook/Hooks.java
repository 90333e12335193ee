package chat.gateway.hook;

import chat.gateway.access.NamePatterns;
import chat.gateway.config.HookConfig;
import chat.gateway.metrics.GatewayMetrics;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The application backend's hooks (1.1, "Hooks"): connect (signs a session in), join (the last grant of a closed
 * group) and publish (checks, and may replace, a message before it is stored). Each call is a signed POST
 * ({@link HookEndpoint}); an answer of the wrong shape is a failure, and a failure is never a yes: it is
 * {@code unavailable}. The node's calls share one pool of keep-alive connections and one bound on calls in
 * flight; each hook has its own circuit breaker.
 */
public final class Hooks {
  /** What a connect hook said: a sign-in ({@code error} null) or a refusal ({@code error}, its message). */
  public record SignIn(String user, List<String> groups, String role, Long expires, String error) {
  }

  /** What a publish hook said: refused ({@code allow} false, with its message), or allowed, maybe with a new body. */
  public record Verdict(boolean allow, boolean replaced, Object body, String message) {
  }

  private static final Hooks NONE = new Hooks(null, null, null, NamePatterns.NONE);

  private final HookEndpoint connect;
  private final HookEndpoint join;
  private final HookEndpoint publish;
  private final NamePatterns publishChannels;

  private Hooks(HookEndpoint connect, HookEndpoint join, HookEndpoint publish, NamePatterns publishChannels) {
    this.connect = connect;
    this.join = join;
    this.publish = publish;
    this.publishChannels = publishChannels;
  }

  /** The hooks {@code config} names; an answer may hold a message's worth ({@code maxMessageBytes}) and 4 KiB more. */
  public static Hooks of(HookConfig config, Vertx vertx, GatewayMetrics metrics, String nodeId, int maxMessageBytes) {
    if (!config.any()) {
      return NONE;
    }
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
            .setConnectTimeout((int) Math.max(1, config.timeout().toMillis())).setVerifyHost(true),
        new PoolOptions().setHttp1MaxSize(config.connections()).setMaxWaitQueueSize(config.maxInFlight()));
    HookSigner signer = new HookSigner(config.secret());
    AtomicInteger inFlight = new AtomicInteger();
    metrics.hookInFlight(inFlight::get);
    int maxAnswer = maxMessageBytes + 4096;
    java.util.function.BiFunction<String, URI, HookEndpoint> endpoint = (name, url) -> url == null ? null
        : new HookEndpoint(name, url, new SignedPost(vertx, http, signer, url, config.timeout().toMillis(), maxAnswer,
            nodeId + "-" + name + "-"), inFlight, config.maxInFlight(),
            new Breaker(config.breakerFailures(), config.breakerOpen().toMillis(), System::currentTimeMillis), metrics);
    return new Hooks(endpoint.apply("connect", config.connect()), endpoint.apply("join", config.join()),
        endpoint.apply("publish", config.publish()), config.publishChannels());
  }

  public boolean decidesJoins() {
    return join != null;
  }

  /** Whether a send to {@code channel} goes through the publish hook ({@code PUBLISH_HOOK_CHANNELS}). */
  public boolean screens(Channel channel) {
    return publish != null && publishChannels.matches(channel.name());
  }

  /**
   * Asks the connect hook who {@code client} is. Completes with its answer; fails {@code unavailable} when the hook
   * fails or answers something else than {@code {"user",...}} or {@code {"error":{"message"}}}.
   */
  public Future<SignIn> connect(ClientRequest client, Object data, String device) {
    JsonObject request = new JsonObject().put("client", client.toJson()).put("data", data).put("device", device);
    return ask(connect, request, answer -> {
      if (answer.getValue("error") != null) {
        JsonObject error = object(answer, "error");
        return new SignIn(null, List.of(), null, null, string(error, "message", "the application refused the sign-in"));
      }
      String user = answer.getValue("user") instanceof String u ? u : fail("user must be a string");
      List<String> groups = new ArrayList<>();
      Object rawGroups = answer.getValue("groups");
      if (rawGroups != null) {
        if (!(rawGroups instanceof JsonArray array) || !array.stream().allMatch(String.class::isInstance)) {
          return fail("groups must be an array of strings");
        }
        array.forEach(g -> groups.add((String) g));
      }
      Object expires = answer.getValue("expires");
      if (expires != null && !(expires instanceof Number)) {
        return fail("expires must be a number (ms since the epoch)");
      }
      return new SignIn(user, List.copyOf(groups), string(answer, "role", null),
          expires == null ? null : ((Number) expires).longValue(), null);
    });
  }

  /**
   * Asks the join hook whether {@code user} may join the closed group {@code group}: completes when allowed; fails
   * {@code forbidden} (with the hook's message) when not, {@code unavailable} when the hook fails.
   */
  public Future<Void> join(String user, String group, String session) {
    if (join == null) {
      return Future.failedFuture(new ProtocolException(ErrorCode.FORBIDDEN, "no join hook"));
    }
    JsonObject request = new JsonObject().put("user", user).put("group", group).put("session", session);
    return ask(join, request, this::verdict).compose(verdict -> verdict.allow() ? Future.succeededFuture()
        : Future.failedFuture(new ProtocolException(ErrorCode.FORBIDDEN,
            verdict.message() == null ? "the application refused the join" : verdict.message())));
  }

  /**
   * Asks the publish hook about a send before it is stored ({@code replaces}: the edited message's id, {@code deletes}:
   * the deleted one's, no body; or both null).
   */
  public Future<Verdict> publish(String user, Channel channel, String device, long seq, Object body, String replaces,
                                 String deletes) {
    JsonObject request = new JsonObject().put("user", user).put("channel", channel.name()).put("device", device)
        .put("seq", seq);
    if (deletes == null) {
      request.put("body", body);
    }
    if (replaces != null) {
      request.put("replaces", replaces);
    }
    if (deletes != null) {
      request.put("deletes", deletes);
    }
    return ask(publish, request, this::verdict);
  }

  private Verdict verdict(JsonObject answer) {
    if (!(answer.getValue("allow") instanceof Boolean allow)) {
      return fail("allow must be true or false");
    }
    return new Verdict(allow, allow && answer.containsKey("body"), answer.getValue("body"),
        string(answer, "message", null));
  }

  private static <T> Future<T> ask(HookEndpoint endpoint, JsonObject request,
                                   java.util.function.Function<JsonObject, T> read) {
    return endpoint.call(request, read).recover(e -> {
      String why = e instanceof HookFailure f ? f.kind().label() : e.getMessage();
      return Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE,
          "the application's " + endpoint.name() + " hook is unavailable (" + why + "); retry shortly"));
    });
  }

  private static String string(JsonObject json, String name, String fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    return value instanceof String s ? s : fail(name + " must be a string");
  }

  private static JsonObject object(JsonObject json, String name) {
    return json.getValue(name) instanceof JsonObject o ? o : fail(name + " must be an object");
  }

  private static <T> T fail(String why) {
    throw new IllegalArgumentException(why);
  }
}
