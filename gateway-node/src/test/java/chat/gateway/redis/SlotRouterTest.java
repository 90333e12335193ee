package chat.gateway.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.config.GatewayConfig;
import chat.gateway.message.Position;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.testing.Await;
import chat.gateway.testing.RedisClusterFixture;
import chat.gateway.testing.RedisUsers;
import chat.gateway.testing.TestNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Commands routed by slot on the test Redis Cluster ({@link SlotRouter}, through {@link RedisCommands}): each to
 * the primary of its slot, and in the order given across a slot that moves to another primary meanwhile.
 */
class SlotRouterTest {
  private final RedisClusterFixture cluster = RedisClusterFixture.get();
  private final String prefix = TestNode.newPrefix();
  private Vertx vertx;
  private RedisCommands commands;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    Map<String, String> env = new HashMap<>(RedisUsers.nodeSettings());
    env.put("REDIS_CLUSTER_NODES", cluster.seeds());
    env.put("REDIS_KEY_PREFIX", prefix);
    GatewayConfig config = GatewayConfig.fromEnv(env);
    commands = RedisCommands.of(vertx, config.redis(), "slot-router-test", 2,
        new GatewayMetrics(new SimpleMeterRegistry(), () -> false));
    Await.result(commands.start());
  }

  @AfterEach
  void stop() {
    Await.result(commands.close());
    Await.result(vertx.close());
  }

  @Test
  void eachKeyReachesThePrimaryOfItsSlot() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      keys.add(commands.keys().prefix() + "spread" + i);
    }
    List<Future<Response>> answers = new ArrayList<>();
    keys.forEach(key -> answers.add(commands.send(Command.SET, key, "v")));
    answers.forEach(Await::result);
    for (String key : keys) {
      assertEquals("v", cluster.call("GET", key).toString(), "no MOVED left unfollowed for " + key);
    }
    assertTrue(keys.stream().map(cluster::slot).map(cluster::primaryOf).distinct().count() > 1,
        "the keys span primaries");
  }

  @Test
  void callsOfASlotStayInOrderWhileTheSlotMovesToAnotherPrimary() throws Exception {
    String stream = commands.keys().prefix() + "moving";
    int slot = cluster.slot(stream);
    int from = cluster.primaryOf(slot);
    int to = cluster.primaries().stream().filter(p -> p != from).findFirst().orElseThrow();
    Await.result(commands.send(Command.XADD, stream, "*", "n", "0"));
    Thread migration = new Thread(() -> cluster.migrate(slot, to, 1, 5));
    List<Future<Response>> answers = new ArrayList<>();
    migration.start();
    int n = 0;
    try {
      // rounds of 10 sends, each round once the last answered, for as long as the slot is moving
      while ((migration.isAlive() || n < 100) && n < 5000) {
        for (int i = 0; i < 10; i++) {
          answers.add(commands.send(Command.XADD, stream, "*", "n", Integer.toString(++n)));
        }
        Await.result(answers.get(answers.size() - 1));
      }
    } finally {
      migration.join(30_000);
    }
    String previous = "0-0";
    for (Future<Response> answer : answers) {
      String id = Await.result(answer).toString();
      assertTrue(Position.ofStreamId("", id).compareTo(Position.ofStreamId("", previous)) > 0, id + " after " + previous);
      previous = id;
    }
    assertNotEquals(from, cluster.primaryOf(slot), "the slot moved");
    assertEquals(n + 1L, ((Number) cluster.call("XLEN", stream)).longValue());
    cluster.migrate(slot, from, 100, 0);
  }
}
