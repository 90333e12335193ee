package chat.gateway.cluster.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import chat.gateway.cluster.ChannelListener;
import chat.gateway.cluster.Event;
import chat.gateway.cluster.LocalFanout;
import chat.gateway.config.GatewayConfig;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.redis.RedisCommands;
import chat.gateway.testing.Await;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The broker's subscriptions follow what the node's listeners want, whatever order the loops' changes arrive in. */
class RedisBrokerTest {
  private final Vertx vertx = Vertx.vertx();
  private final LocalFanout fanout = new LocalFanout();
  private RedisCommands commands;
  private RedisBroker broker;

  @BeforeEach
  void start() {
    Map<String, String> env = new java.util.HashMap<>(RedisFixture.get().nodeSettings());
    env.putAll(Map.of("REDIS_KEY_PREFIX", TestNode.newPrefix(), "CANARY_INTERVAL", "200ms"));
    GatewayConfig config = GatewayConfig.fromEnv(env);
    GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry(), () -> false);
    commands = RedisCommands.of(vertx, config.redis(), "gw-test", 1, metrics);
    Await.result(commands.start());
    broker = new RedisBroker(vertx, commands, fanout, "gw-test", metrics, Duration.ofMillis(200), () -> { },
        Future::succeededFuture, channels -> Future.succeededFuture(), chat.gateway.cluster.NodeControl.of(() -> { }, n -> { }));
    Await.result(broker.start());
  }

  @AfterEach
  void stop() {
    Await.result(broker.close());
    Await.result(commands.close());
    Await.result(vertx.close());
  }

  @Test
  void anUnsubscribeThatArrivesAfterTheChannelWasWantedAgainLeavesItSubscribed() throws Exception {
    LinkedBlockingQueue<Event> received = new LinkedBlockingQueue<>();
    Context context = vertx.getOrCreateContext();
    ChannelListener listener = new ChannelListener() {
      @Override
      public Context context() {
        return context;
      }

      @Override
      public void deliver(Event event) {
        received.add(event);
      }
    };
    Await.result(fanout.add("user/alice", listener));
    // the unsubscribe of an earlier listener on another loop, overtaken by this listener's subscribe
    Await.result(broker.unsubscribe(List.of("user/alice")));
    Await.result(broker.publish(Event.Member.of("user/alice", "bob", "online")));
    Event event = received.poll(10, TimeUnit.SECONDS);
    assertEquals("user/alice", event == null ? null : event.channel(), "the listener still hears its channel");
  }
}
