package chat.gateway.app;

import chat.gateway.config.ConfigException;
import chat.gateway.config.GatewayConfig;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar gateway-node.jar}: reads the configuration from the environment, starts one node,
 * and on SIGTERM (or {@code POST /admin/drain}) drains it and exits.
 */
public final class GatewayMain {

  private GatewayMain() {
  }

  public static void main(String[] args) throws InterruptedException {
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
    Logger log = System.getLogger(GatewayMain.class.getName());
    GatewayConfig config;
    Gateway gateway;
    try {
      config = GatewayConfig.fromEnvironment();
      gateway = Gateway.start(config, Clock.systemUTC()).toCompletionStage().toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    } catch (ConfigException e) {
      System.err.println("configuration error: " + e.getMessage());
      System.exit(2);
      return;
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.err.println((cause instanceof ConfigException ? "configuration error: " : "failed to start: ")
          + cause.getMessage());
      System.exit(cause instanceof ConfigException ? 2 : 1);
      return;
    }
    long drainLimit = config.drainWindow().toMillis() + 15_000;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.log(Level.INFO, "stopping: draining connections");
      await(gateway.drain(), drainLimit);
      await(gateway.close(), 10_000);
    }, "gateway-shutdown"));
    // Drained on request (POST /admin/drain): exit; the shutdown hook then finds the drain done.
    gateway.drained().onComplete(ar -> new Thread(() -> System.exit(0), "gateway-exit").start());
    log.log(Level.INFO, "node {0} ({1}, {6} transport) listening on {2}:{3,number,#} (WebSocket /ws), management on {4}:{5,number,#}",
        config.nodeId(), config.embedded() ? "embedded" : "cluster", config.host(), gateway.port(),
        config.mgmtHost(), gateway.managementPort(), gateway.vertx().isNativeTransportEnabled() ? "epoll" : "NIO");
  }

  private static void await(io.vertx.core.Future<Void> future, long millis) {
    try {
      future.toCompletionStage().toCompletableFuture().get(millis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // shutting down anyway
    }
  }
}
