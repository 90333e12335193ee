package chat.gateway.api;

import chat.gateway.access.Permissions;
import chat.gateway.auth.BearerToken;
import chat.gateway.message.Position;
import chat.gateway.service.Chat;
import chat.gateway.transport.HistoryFrames;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.FrameCodec;
import chat.protocol.Ids;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.lang.System.Logger.Level;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The server HTTP API of protocol v1, under {@code /api}, for backends and operators. Every call needs
 * {@code Authorization: Bearer <API_KEY>}; errors are {@code {"error":{"code","message"}}} with the
 * code's HTTP status. Channel names in paths may be URL-encoded ({@code group%2Fdev}) or not.
 */
public final class ApiRoutes {
  private static final System.Logger LOG = System.getLogger(ApiRoutes.class.getName());
  private static final int API_HISTORY_BYTES = 4 * 1024 * 1024;
  /** Longest ban {@code /api/disconnect} takes: 30 days. */
  private static final long MAX_BAN_SECONDS = 30L * 24 * 3600;
  /** Members listed in one page of GET /api/groups/{gid}/members. */
  private static final int MAX_MEMBERS_PAGE = 1000;
  private static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

  private final Chat chat;
  private final Permissions permissions;
  private final BearerToken apiKey;
  private final int maxBodyBytes;

  public ApiRoutes(Chat chat, Permissions permissions, String apiKey, int maxMessageBytes) {
    this.chat = chat;
    this.permissions = permissions;
    this.apiKey = BearerToken.of(apiKey);
    this.maxBodyBytes = maxMessageBytes + 4096;
  }

  public void mount(Router router) {
    router.route("/api/*").handler(this::authorize);
    router.post("/api/*").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
    router.post("/api/publish").handler(ctx -> reply(ctx, publish(ctx)));
    router.get("/api/presence/*").handler(ctx -> reply(ctx, presence(ctx)));
    router.get("/api/history/*").handler(ctx -> reply(ctx, history(ctx)));
    router.delete("/api/messages/*").handler(ctx -> reply(ctx, deleteMessage(ctx)));
    router.post("/api/disconnect").handler(ctx -> reply(ctx, disconnect(ctx)));
    router.get("/api/cluster").handler(ctx -> reply(ctx, cluster()));
    router.post("/api/cluster/rebalance").handler(ctx -> reply(ctx, rebalance()));
    router.post("/api/cluster/:node/drain").handler(ctx -> reply(ctx, drain(ctx)));
    router.put("/api/groups/:group/members/:user").handler(ctx -> reply(ctx, addMember(ctx)));
    router.delete("/api/groups/:group/members/:user").handler(ctx -> reply(ctx, removeMember(ctx)));
    router.get("/api/groups/:group/members").handler(ctx -> reply(ctx, members(ctx)));
    router.get("/api/users/:user/groups").handler(ctx -> reply(ctx, groupsOf(ctx)));
    router.route("/api/*").handler(ctx -> error(ctx, new ProtocolException(ErrorCode.NOT_FOUND,
        "no such API call: " + ctx.request().method() + " " + ctx.request().path())));
    router.route("/api/*").failureHandler(this::failure);
  }

  private void authorize(RoutingContext ctx) {
    if (apiKey == null || !apiKey.accepts(ctx.request().getHeader("Authorization"))) {
      error(ctx, new ProtocolException(ErrorCode.UNAUTHORIZED,
          apiKey == null ? "the API is off: set API_KEY" : "missing or wrong API key"));
      return;
    }
    ctx.next();
  }

  private Future<Object> publish(RoutingContext ctx) {
    JsonObject request = jsonBody(ctx);
    Channel channel = Channel.parse(string(request, "channel", true));
    if (!request.containsKey("body")) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "body is required");
    }
    String from = string(request, "from", false);
    from = from == null ? "system" : Ids.require(from, "from");
    return chat.messages().publishOnce(from, channel, request.getValue("body"), idempotencyKey(ctx, request),
            permissions.publishAsApplication(channel))
        .map(a -> new JsonObject().put("id", a.id()).put("position", a.position().wire()));
  }

  /**
   * The optional idempotency key of a publish: the {@code Idempotency-Key} header or the
   * {@code idempotencyKey} field (both: they must agree), 1 to 255 visible ASCII characters.
   */
  private static String idempotencyKey(RoutingContext ctx, JsonObject request) {
    String header = ctx.request().getHeader(IDEMPOTENCY_HEADER);
    String field = string(request, "idempotencyKey", false);
    if (header != null && field != null && !header.equals(field)) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST,
          "the Idempotency-Key header and the idempotencyKey field differ; send one of them");
    }
    String key = header != null ? header : field;
    if (key != null && (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST,
          "an idempotency key is 1 to 255 visible ASCII characters (no spaces), such as a UUID");
    }
    return key;
  }

  private Future<Object> presence(RoutingContext ctx) {
    return chat.presence().of(channelInPath(ctx, "/api/presence/"))
        .map(p -> {
          JsonObject presence = new JsonObject().put("online", new JsonArray(p.online())).put("members", p.members());
          return p.large() ? presence.put("large", true) : presence;
        });
  }

  private Future<Object> history(RoutingContext ctx) {
    Channel channel = channelInPath(ctx, "/api/history/");
    String before = ctx.request().getParam("before");
    int limit = ctx.request().getParam("limit") == null ? FrameCodec.DEFAULT_HISTORY_LIMIT
        : limit(ctx, FrameCodec.MAX_HISTORY_LIMIT);
    Position position = before == null || before.isEmpty() ? null : Position.parse(before);
    return chat.messages().history(channel, position, limit, API_HISTORY_BYTES).map(HistoryFrames::encodeApi);
  }

  /**
   * (1.1) {@code DELETE /api/messages/{channel}/{id}}: the application deletes any message, as {@code system} (both
   * copies of a direct message); 404 for an id the channel does not hold.
   */
  private Future<Object> deleteMessage(RoutingContext ctx) {
    String raw = URLDecoder.decode(ctx.request().path().substring("/api/messages/".length()), StandardCharsets.UTF_8);
    int slash = raw.lastIndexOf('/');
    if (slash < 1) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "the path is /api/messages/{channel}/{id}");
    }
    Channel channel = Channel.parse(raw.substring(0, slash));
    String id = Ids.require(raw.substring(slash + 1), "id");
    return chat.messages().deleteAsApplication(channel, id).map(deleted -> new JsonObject().put("deleted", true)
        .put("id", deleted.id()).put("position", deleted.position().wire()));
  }

  private Future<Object> disconnect(RoutingContext ctx) {
    JsonObject request = jsonBody(ctx);
    String user = Ids.require(string(request, "user", true), "user");
    Object ban = request.getValue("banSeconds", 0);
    if (!(ban instanceof Integer || ban instanceof Long) || ((Number) ban).longValue() < 0
        || ((Number) ban).longValue() > MAX_BAN_SECONDS) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "banSeconds must be a whole number from 0 to " + MAX_BAN_SECONDS);
    }
    return chat.admin().disconnect(user, Duration.ofSeconds(((Number) ban).longValue())).map(until -> {
      JsonObject answer = new JsonObject().put("user", user);
      return until > 0 ? answer.put("bannedUntil", until) : answer;
    });
  }

  private Future<Object> rebalance() {
    return chat.admin().rebalance().map(r -> new JsonObject().put("average", r.average())
        .put("shed", new JsonObject(new java.util.LinkedHashMap<>(r.shed()))));
  }

  private Future<Object> drain(RoutingContext ctx) {
    String node = Ids.require(ctx.pathParam("node"), "node");
    return chat.admin().drainNode(node).map(v -> new JsonObject().put("node", node).put("draining", true));
  }

  // ---- memberships: the application decides who is in which group ------------------------------------

  private Future<Object> addMember(RoutingContext ctx) {
    String group = Ids.require(ctx.pathParam("group"), "group");
    String user = Ids.require(ctx.pathParam("user"), "user");
    return chat.memberships().add(user, group)
        .map(added -> new JsonObject().put("group", group).put("user", user).put("added", added));
  }

  private Future<Object> removeMember(RoutingContext ctx) {
    String group = Ids.require(ctx.pathParam("group"), "group");
    String user = Ids.require(ctx.pathParam("user"), "user");
    return chat.memberships().remove(user, group)
        .map(removed -> new JsonObject().put("group", group).put("user", user).put("removed", removed));
  }

  private Future<Object> members(RoutingContext ctx) {
    String group = Ids.require(ctx.pathParam("group"), "group");
    String after = ctx.request().getParam("after");
    if (after != null) {
      Ids.require(after, "after");
    }
    int limit = limit(ctx, MAX_MEMBERS_PAGE);
    return chat.memberships().members(group, after, limit)
        .map(page -> new JsonObject().put("members", new JsonArray(page.members())).put("more", page.more()));
  }

  private Future<Object> groupsOf(RoutingContext ctx) {
    String user = Ids.require(ctx.pathParam("user"), "user");
    return chat.memberships().groupsOf(user)
        .map(groups -> new JsonObject().put("groups", new JsonArray(groups.stream().sorted().toList())));
  }

  private Future<Object> cluster() {
    return chat.admin().cluster().map(nodes -> {
      JsonArray list = new JsonArray();
      nodes.forEach(n -> list.add(new JsonObject().put("id", n.id()).put("address", n.address())
          .put("connections", n.connections()).put("startedAt", n.startedAt())));
      return new JsonObject().put("nodes", list);
    });
  }

  // ---- plumbing ----------------------------------------------------------------------------------

  /** The {@code limit} parameter, a positive integer (larger ones are cut to {@code max}); {@code max} when absent. */
  private static int limit(RoutingContext ctx, int max) {
    String raw = ctx.request().getParam("limit");
    if (raw == null) {
      return max;
    }
    long limit;
    try {
      limit = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      limit = 0;
    }
    if (limit < 1) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "limit must be a positive integer");
    }
    return (int) Math.min(max, limit);
  }

  private static Channel channelInPath(RoutingContext ctx, String prefix) {
    String raw = ctx.request().path().substring(prefix.length());
    return Channel.parse(URLDecoder.decode(raw, StandardCharsets.UTF_8));
  }

  private static JsonObject jsonBody(RoutingContext ctx) {
    try {
      Object json = ctx.body().asJsonObject();
      if (json != null) {
        return (JsonObject) json;
      }
    } catch (RuntimeException e) {
      // falls through to the error below
    }
    throw new ProtocolException(ErrorCode.BAD_REQUEST, "the request body must be a JSON object");
  }

  private static String string(JsonObject json, String field, boolean required) {
    Object value = json.getValue(field);
    if (value == null && !required) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, field + (value == null ? " is required" : " must be a string"));
    }
    return s;
  }

  private static void reply(RoutingContext ctx, Future<Object> result) {
    result.onComplete(ar -> {
      if (ar.failed()) {
        error(ctx, ar.cause());
      } else {
        ctx.response().putHeader("Content-Type", "application/json")
            .end(ar.result() instanceof JsonObject json ? json.encode() : ar.result().toString());
      }
    });
  }

  private void failure(RoutingContext ctx) {
    if (ctx.statusCode() == 413) {
      error(ctx, new ProtocolException(ErrorCode.TOO_LARGE, "request body larger than " + maxBodyBytes + " bytes"));
    } else if (ctx.statusCode() == 503) {
      // the request timed out (REQUEST_TIMEOUT): its body never came whole
      error(ctx, new ProtocolException(ErrorCode.UNAVAILABLE, "the request did not arrive within REQUEST_TIMEOUT"));
    } else {
      error(ctx, ctx.failure() != null ? ctx.failure()
          : new ProtocolException(ErrorCode.BAD_REQUEST, "bad request (HTTP " + ctx.statusCode() + ")"));
    }
  }

  private static void error(RoutingContext ctx, Throwable failure) {
    ProtocolException e;
    if (failure instanceof ProtocolException pe) {
      e = pe;
    } else {
      LOG.log(Level.ERROR, "API call failed", failure);
      e = new ProtocolException(ErrorCode.INTERNAL, "internal error");
    }
    if (ctx.response().ended()) {
      return;
    }
    JsonObject body = new JsonObject().put("error",
        new JsonObject().put("code", e.code().wire()).put("message", e.getMessage()));
    ctx.response().setStatusCode(e.code().httpStatus()).putHeader("Content-Type", "application/json")
        .end(body.encode());
  }
}
