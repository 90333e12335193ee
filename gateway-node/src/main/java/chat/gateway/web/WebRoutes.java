package chat.gateway.web;

import chat.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The chat page and the JavaScript SDK ({@code /chat-client.js}), plain files from the jar's
 * {@code webroot/} (the web-client module's sources), and {@code /config.json}, which tells the page how
 * to sign in. Nothing on the page is loaded from anywhere else, and its policy says so.
 */
public final class WebRoutes {
  private static final String POLICY = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
      + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

  private final String clientConfig;

  public WebRoutes(GatewayConfig config) {
    this.clientConfig = new JsonObject()
        .put("auth", config.auth().mode().name().toLowerCase(java.util.Locale.ROOT))
        .put("maxMessageBytes", config.maxMessageBytes())
        .encode();
  }

  public void mount(Router router) {
    router.get("/config.json").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(clientConfig));
    router.get("/*").handler(ctx -> {
      ctx.response().putHeader("Content-Security-Policy", POLICY).putHeader("X-Content-Type-Options", "nosniff");
      ctx.next();
    });
    // Short caching: a rolling upgrade behind a load balancer must not mix old and new files for long.
    router.get("/*").handler(StaticHandler.create("webroot").setMaxAgeSeconds(60).setIncludeHidden(false));
  }
}
