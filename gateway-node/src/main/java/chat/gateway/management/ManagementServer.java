package chat.gateway.management;

import chat.gateway.auth.BearerToken;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The per-node management port, never routed by the load balancer: {@code /health}, {@code /ready},
 * {@code /metrics}, {@code POST /admin/drain} and {@code POST /admin/profile?seconds=N} (a JFR recording).
 * {@code /admin/*} takes {@code Authorization: Bearer <ADMIN_TOKEN>} when a token is configured (the
 * configuration allows none only on a loopback management address); the rest stays open for checks and
 * scrapes.
 */
public final class ManagementServer {
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final BooleanSupplier ready;
  private final Supplier<Future<Void>> drain;
  private final Profiler profiler;
  private final BearerToken adminToken;
  private HttpServer server;

  /**
   * {@code ready}: whether the node takes clients now; {@code drain}: starts the drain (idempotent);
   * {@code adminToken}: what {@code /admin/*} requires (null: nothing).
   */
  public ManagementServer(Vertx vertx, PrometheusMeterRegistry registry, BooleanSupplier ready,
                          Supplier<Future<Void>> drain, String adminToken) {
    this.adminToken = BearerToken.of(adminToken);
    this.vertx = vertx;
    this.registry = registry;
    this.ready = ready;
    this.drain = drain;
    this.profiler = new Profiler(vertx);
  }

  public Future<HttpServer> listen(String host, int port) {
    Router router = Router.router(vertx);
    router.get("/health").handler(ctx -> ctx.json(new JsonObject().put("status", "up")));
    router.get("/ready").handler(ctx -> {
      boolean ok = ready.getAsBoolean();
      ctx.response().setStatusCode(ok ? 200 : 503);
      ctx.json(new JsonObject().put("ready", ok));
    });
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    router.route("/admin/*").handler(ctx -> {
      if (adminToken != null && !adminToken.accepts(ctx.request().getHeader("Authorization"))) {
        ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer");
        ctx.json(new JsonObject().put("error", "/admin needs Authorization: Bearer <ADMIN_TOKEN>"));
        return;
      }
      ctx.next();
    });
    router.post("/admin/drain").handler(ctx -> {
      drain.get();
      ctx.response().setStatusCode(202);
      ctx.json(new JsonObject().put("draining", true));
    });
    router.post("/admin/profile").handler(this::profile);
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
        .setHttp2ClearTextEnabled(false)).requestHandler(router);
    return server.listen();
  }

  private void profile(RoutingContext ctx) {
    int seconds;
    try {
      seconds = Integer.parseInt(ctx.request().getParam("seconds", "30"));
    } catch (NumberFormatException e) {
      seconds = -1;
    }
    if (seconds < 1 || seconds > Profiler.MAX_SECONDS) {
      ctx.response().setStatusCode(400);
      ctx.json(new JsonObject().put("error", "seconds must be a whole number from 1 to " + Profiler.MAX_SECONDS));
      return;
    }
    String name = "gateway-" + seconds + "s.jfr";
    profiler.record(seconds).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("Content-Type", "application/octet-stream")
            .putHeader("Content-Disposition", "attachment; filename=\"" + name + "\"").end(ar.result());
      } else {
        boolean busy = ar.cause() instanceof IllegalStateException;
        ctx.response().setStatusCode(busy ? 409 : 500);
        ctx.json(new JsonObject().put("error", String.valueOf(ar.cause().getMessage())));
      }
    });
  }

  public int actualPort() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
