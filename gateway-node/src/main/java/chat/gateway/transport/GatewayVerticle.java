package chat.gateway.transport;

import chat.gateway.hook.ClientRequest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.TimeoutHandler;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One per event loop: the public HTTP server (the {@code /ws} endpoint, and whatever else the node mounts
 * on the router: the API, the web page) and the hub of this loop's connections. All instances listen on
 * the same port; Vert.x spreads accepted connections over them.
 */
public final class GatewayVerticle extends VerticleBase {
  private final TransportContext t;
  private final Consumer<Router> routes;
  private final Hubs hubs;
  private final boolean reusePort;
  private final ClientAddress clientAddress;
  private final WebSocketUpgrade upgrade;
  private HttpServer server;
  /** Connections still waiting for their first request head, with the timer that closes them (this loop only). */
  private final Map<HttpConnection, Long> awaitingHead = new HashMap<>();

  /**
   * {@code routes} adds the node's other routes; {@code hubs} holds the node's connections per event loop;
   * {@code reusePort} lets instances bound separately share one port (only for port 0, in tests).
   */
  public GatewayVerticle(TransportContext t, Consumer<Router> routes, Hubs hubs, boolean reusePort) {
    this.t = t;
    this.routes = routes;
    this.hubs = hubs;
    this.reusePort = reusePort;
    this.clientAddress = new ClientAddress(t.config().admission().trustedProxies());
    // Netty's own cap, past which its decoder closes with 1009; up to it, ClientConnection closes with 1009.
    this.upgrade = new WebSocketUpgrade(t.config().maxMessageBytes() * 2, t.config().compression());
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    // A request trickled in a byte at a time must not hold a connection for minutes: a connection brings
    // a whole request head within REQUEST_TIMEOUT of opening (untilRequest), and an API call is answered
    // within it, its body included (else 503).
    router.route().handler(ctx -> {
      Long timer = awaitingHead.remove(ctx.request().connection());
      if (timer != null) {
        vertx.cancelTimer(timer);
      }
      ctx.next();
    });
    router.route("/api/*").handler(TimeoutHandler.create(t.config().requestTimeout().toMillis(), 503));
    router.route("/ws").handler(this::upgrade);
    routes.accept(router);
    HttpServerOptions options = serverOptions();
    server = vertx.createHttpServer(options).requestHandler(router).connectionHandler(connection -> {
      untilRequest(connection);
      if (t.config().compression()) {
        BoundedInflation.install(connection, options, t.config().maxMessageBytes() + 1);
      }
    });
    return server.listen();
  }

  /** A new connection must bring a whole request head within REQUEST_TIMEOUT, or it is closed. */
  private void untilRequest(HttpConnection connection) {
    awaitingHead.put(connection, vertx.setTimer(t.config().requestTimeout().toMillis(), id -> {
      if (awaitingHead.remove(connection) != null) {
        t.metrics().handshake("request_timeout");
        connection.close();
      }
    }));
    connection.closeHandler(v -> {
      Long timer = awaitingHead.remove(connection);
      if (timer != null) {
        vertx.cancelTimer(timer);
      }
    });
  }

  /** The port the server listens on (the configured one, or the one picked for port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void upgrade(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String origin = request.getHeader("Origin");
    if (origin != null && !t.config().allowedOrigins().isEmpty() && !t.config().allowedOrigins().contains(origin)) {
      t.metrics().handshake("forbidden_origin");
      ctx.response().setStatusCode(403).end("origin not allowed");
      return;
    }
    if (t.refusing().getAsBoolean()) {
      t.metrics().handshake("draining");
      if (clientAddress.viaProxy(request)) {
        // Behind the load balancer, a node that takes no clients (draining, or its Redis link down, until
        // the balancer's check notices) closes the connection unanswered: HAProxy retries that on another
        // server (retry-on empty-response), so the client is not refused. Its 503s stay for admission.
        request.connection().close();
      } else {
        unavailable(ctx, 1, "draining");
      }
      return;
    }
    if (!"websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
      t.metrics().handshake("not_websocket");
      ctx.response().setStatusCode(400).end("this endpoint takes WebSocket upgrades only");
      return;
    }
    String address = clientAddress.of(request);
    Admission.Decision decision = t.admission().admit(address);
    if (decision instanceof Admission.Refused refused) {
      t.metrics().handshake("refused_" + refused.reason());
      unavailable(ctx, refused.retryAfterSeconds(), "too many new connections on this node right now");
      return;
    }
    Admission.Ticket ticket = (Admission.Ticket) decision;
    Hub hub = hubs.current();
    ClientRequest client = t.authenticator().asksHook() ? new ClientRequest(address, origin,
        request.getHeader("Cookie"), request.getHeader("Authorization"), request.getHeader("User-Agent")) : null;
    boolean upgrading = upgrade.upgrade(request, hub.flusher(), t.config().closingTimeout().toMillis(),
        t.config().outboundQueueBytes(), socket -> {
          t.metrics().handshake("ok");
          new ClientConnection(socket, hub, t, ticket, client).start();
        });
    if (!upgrading) {
      ticket.closed();
      t.metrics().handshake("failed");
    }
  }

  /** HTTP 503 with {@code Retry-After}: no WebSocket, nothing held; the client comes back later. */
  private static void unavailable(RoutingContext ctx, long retryAfterSeconds, String why) {
    ctx.response().setStatusCode(503).putHeader("Retry-After", Long.toString(retryAfterSeconds))
        .end(why + "; retry after " + retryAfterSeconds + " s");
  }

  private HttpServerOptions serverOptions() {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(t.config().host())
        .setPort(t.config().port())
        // Netty's hard cap, past which it drops the connection; up to it, ClientConnection closes with 1009.
        .setMaxWebSocketFrameSize(t.config().maxMessageBytes() * 2)
        .setMaxWebSocketMessageSize(t.config().maxMessageBytes() * 2)
        .setPerMessageWebSocketCompressionSupported(t.config().compression())
        .setPerFrameWebSocketCompressionSupported(t.config().compression())
        .setWebSocketClosingTimeout((int) t.config().closingTimeout().toSeconds())
        // an idle keep-alive connection goes; a WebSocket is never idle that long (pings every heartbeat)
        .setIdleTimeout((int) Math.max(60, 2 * t.config().heartbeat().toSeconds() + 10))
        .setRegisterWebSocketWriteHandlers(false)
        .setReusePort(reusePort)
        .setHttp2ClearTextEnabled(false);
    if (t.config().sendBufferBytes() > 0) {
      options.setSendBufferSize(t.config().sendBufferBytes());
    }
    return options;
  }

}
