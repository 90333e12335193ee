package chat.gateway.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import chat.gateway.config.GatewayConfig;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.redis.RedisCommands;
import chat.gateway.registry.SessionRegistry.Standing;
import chat.gateway.testing.Await;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.webhook.Recording;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a node owes the registry after its liveness expired: reported until it has put its sessions back. */
class RedisSessionRegistryTest {
  private final Vertx vertx = Vertx.vertx();
  private final AtomicInteger lapses = new AtomicInteger();
  private RedisCommands commands;
  private RedisSessionRegistry registry;

  @BeforeEach
  void start() {
    Map<String, String> env = new HashMap<>(RedisFixture.get().nodeSettings());
    env.putAll(Map.of("REDIS_KEY_PREFIX", TestNode.newPrefix(), "NODE_TTL", "3s"));
    GatewayConfig config = GatewayConfig.fromEnv(env);
    GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry(), () -> false);
    commands = RedisCommands.of(vertx, config.redis(), "gw-test", 1, metrics);
    Await.result(commands.start());
    registry = new RedisSessionRegistry(vertx, commands, "gw-test", () -> new NodeInfo("gw-test", "127.0.0.1:1", 0, 0),
        config.redis().nodeTtl(), config.historyMaxAge(), metrics, user -> { }, lapses::incrementAndGet, new Recording(config.webhooks(), commands));
    Await.result(registry.start());
  }

  @AfterEach
  void stop() {
    Await.result(registry.stop());
    Await.result(commands.close());
    Await.result(vertx.close());
  }

  private void expire() {
    Await.result(commands.send(io.vertx.redis.client.Command.DEL, commands.keys().nodeAlive("gw-test")));
  }

  @Test
  void aFreshNodeOwesNothing() {
    assertEquals(Standing.KNOWN, Await.result(registry.announce()));
    assertEquals(0, lapses.get());
  }

  @Test
  void aLapseIsReportedByEveryAnnouncementUntilTheSessionsAreBack() {
    expire();
    assertEquals(Standing.LAPSED, Await.result(registry.announce()));
    // the put-back failed (Redis went away again, a registration timed out): the next attempt must still put them back
    assertEquals(Standing.LAPSED, Await.result(registry.announce()), "a failed put-back leaves the lapse owed");
    registry.settled();
    assertEquals(Standing.KNOWN, Await.result(registry.announce()));
  }

  @Test
  void aLapseFoundAfterTheAnnouncementIsNotSettledByIt() {
    expire();
    assertEquals(Standing.LAPSED, Await.result(registry.announce()));
    expire();
    Await.until("the periodic refresh finds the second lapse", () -> lapses.get() == 2);
    registry.settled(); // settles what the first announcement reported, not the lapse found after it
    assertEquals(Standing.LAPSED, Await.result(registry.announce()));
  }

  @Test
  void aLapseFoundByThePeriodicRefreshIsToldAtOnce() {
    expire();
    Await.until("the refresh tells the lapse", () -> lapses.get() == 1);
    assertEquals(Standing.LAPSED, Await.result(registry.announce()));
  }
}
