package chat.gateway.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.config.GatewayConfig;
import chat.gateway.membership.MembershipStore;
import chat.gateway.membership.RedisMembershipStore;
import chat.gateway.message.Position;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.redis.RedisCommands;
import chat.gateway.testing.Await;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.webhook.Recording;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On one Redis (not a Cluster) a session's registration, its removal, a join and a leave are each one script: one
 * round trip instead of three to four, with the same effects (the node's sessions hash, the online set, both sides of
 * a membership). On a Cluster the steps stay in their own slots, as {@code ClusterOnRedisClusterTest} runs them.
 */
class OneRoundTripTest {
  /** The registry's own periodic commands (liveness, sweeper lock, node list), which may run meanwhile. */
  private static final Set<String> PERIODIC = Set.of("set", "sadd", "smembers", "info", "del", "sweep");
  private final Vertx vertx = Vertx.vertx();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private RedisCommands commands;
  private RedisSessionRegistry registry;
  private RedisMembershipStore memberships;

  @BeforeEach
  void start() {
    Map<String, String> env = new HashMap<>(RedisFixture.get().nodeSettings());
    env.put("REDIS_KEY_PREFIX", TestNode.newPrefix());
    GatewayConfig config = GatewayConfig.fromEnv(env);
    GatewayMetrics metrics = new GatewayMetrics(meters, () -> false);
    commands = RedisCommands.of(vertx, config.redis(), "gw-test", 1, metrics);
    Await.result(commands.start());
    Recording webhooks = new Recording(config.webhooks(), commands);
    registry = new RedisSessionRegistry(vertx, commands, "gw-test", () -> new NodeInfo("gw-test", "127.0.0.1:1", 0, 0),
        config.redis().nodeTtl(), config.historyMaxAge(), metrics, user -> { }, () -> { }, webhooks);
    Await.result(registry.start());
    memberships = new RedisMembershipStore(commands, webhooks, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    Await.result(registry.stop());
    Await.result(commands.close());
    Await.result(vertx.close());
  }

  /** Commands and scripts sent so far, by name, without the registry's periodic ones. */
  private Map<String, Long> sent() {
    Map<String, Long> sent = new HashMap<>();
    for (Timer t : meters.find("chat_redis_command").timers()) {
      String name = t.getId().getTag("command");
      if (!PERIODIC.contains(name)) {
        sent.merge(name, t.count(), Long::sum);
      }
    }
    return sent;
  }

  /** What {@code step} sent: names to how many times. */
  private Map<String, Long> sentBy(Runnable step) {
    Map<String, Long> before = sent();
    step.run();
    Map<String, Long> diff = new HashMap<>();
    sent().forEach((name, count) -> {
      long more = count - before.getOrDefault(name, 0L);
      if (more > 0) {
        diff.put(name, more);
      }
    });
    return diff;
  }

  private boolean isMember(String key, String member) {
    return Await.result(commands.send(Command.SISMEMBER, key, member)).toInteger() == 1;
  }

  private boolean hasField(String key, String field) {
    return Await.result(commands.send(Command.HEXISTS, key, field)).toInteger() == 1;
  }

  @Test
  void aSessionIsRegisteredAndRemovedInOneScriptEach() {
    SessionInfo s = new SessionInfo("s-1", "ann", "web", "gw-test", System.currentTimeMillis());
    assertEquals(Map.of("register", 1L), sentBy(() -> assertEquals(1, Await.result(registry.register(s, 10)).count())));
    assertTrue(hasField(commands.keys().nodeSessions("gw-test"), "ann|s-1"), "in the node's sessions");
    assertTrue(isMember(commands.keys().online("ann"), "ann"), "online");

    assertEquals(Map.of("unregister", 1L), sentBy(() -> assertEquals(0, Await.result(registry.unregister(s, 1000)))));
    assertFalse(hasField(commands.keys().nodeSessions("gw-test"), "ann|s-1"), "out of the node's sessions");
    assertFalse(isMember(commands.keys().online("ann"), "ann"), "offline with the last session");
  }

  /** The user's groups come back with the registration: the session's node subscribes them without another read. */
  @Test
  void aRegistrationReadsTheUsersGroupsAsTheyStandOnceTheSessionIsIn() {
    Await.result(memberships.join("eve", "g1", 10, null));
    Await.result(memberships.join("eve", "g2", 10, null));
    SessionInfo s = new SessionInfo("s-1", "eve", "web", "gw-test", System.currentTimeMillis());
    Registration[] registration = new Registration[1];
    assertEquals(Map.of("register", 1L), sentBy(() -> registration[0] = Await.result(registry.register(s, 10))));
    assertEquals(1, registration[0].count());
    assertEquals(Set.of("g1", "g2"), Set.copyOf(registration[0].groups()));
    Registration again = Await.result(registry.register(s, 10));
    assertEquals(0, again.count(), "registered already");
    assertEquals(Set.of("g1", "g2"), Set.copyOf(again.groups()));
  }

  /**
   * Where the user's own channel stands comes back with the registration too (the node has subscribed it: the start
   * of what its gap repair would fill): a channel without history gets its epoch then, kept as long as history is.
   */
  @Test
  void aRegistrationReadsWhereTheUsersChannelStands() {
    String meta = commands.keys().meta("user/fay");
    SessionInfo s = new SessionInfo("s-1", "fay", "web", "gw-test", System.currentTimeMillis());
    Registration first = Await.result(registry.register(s, 10));
    assertEquals(0, first.userHead().major(), "no message yet: the start of the channel");
    assertEquals(first.userHead().epoch(), Await.result(commands.send(Command.HGET, meta, "epoch")).toString(),
        "the epoch is stored, for a resume to tell whether history was lost since");
    assertTrue(Await.result(commands.send(Command.PTTL, meta)).toLong() > 0, "it expires as history does");

    Await.result(commands.send(Command.HSET, meta, "last", "1700000000000-3")); // as publish.lua leaves it
    SessionInfo other = new SessionInfo("s-2", "fay", "phone", "gw-test", System.currentTimeMillis());
    Registration second = Await.result(registry.register(other, 10));
    assertEquals(new Position(first.userHead().epoch(), 1700000000000L, 3), second.userHead(), "the newest message");
  }

  @Test
  void aRefusedRegistrationLeavesNothing() {
    SessionInfo first = new SessionInfo("s-1", "bo", "web", "gw-test", System.currentTimeMillis());
    Await.result(registry.register(first, 1));
    SessionInfo second = new SessionInfo("s-2", "bo", "web", "gw-test", System.currentTimeMillis());
    assertEquals(new Registration(-1), Await.result(registry.register(second, 1)), "past the user's sessions cap");
    Await.result(commands.send(Command.DEL, commands.keys().meta("user/bo")));
    assertEquals(new Registration(-1), Await.result(registry.register(second, 1)));
    assertEquals(0, Await.result(commands.send(Command.EXISTS, commands.keys().meta("user/bo"))).toInteger(),
        "no epoch written for a refusal");
    assertFalse(hasField(commands.keys().nodeSessions("gw-test"), "bo|s-2"), "not in the node's sessions");
    assertEquals(1, Await.result(registry.unregister(second, 1000)), "removing a session never registered");
    assertTrue(isMember(commands.keys().online("bo"), "bo"), "still online with the first session");
  }

  @Test
  void aJoinAndALeaveAreOneScriptEach() {
    assertEquals(Map.of("join-leave", 1L),
        sentBy(() -> assertTrue(Await.result(memberships.join("cy", "g1", 10, null)).added())));
    assertTrue(isMember(commands.keys().groupsOf("cy"), "g1"), "the user's side");
    assertTrue(isMember(commands.keys().members("g1"), "cy"), "the group's side");
    assertFalse(Await.result(memberships.join("cy", "g1", 10, null)).added(), "joined already");
    assertEquals(Map.of("join-leave", 1L), sentBy(() -> assertTrue(Await.result(memberships.leave("cy", "g1")))));
    assertFalse(isMember(commands.keys().groupsOf("cy"), "g1"));
    assertFalse(isMember(commands.keys().members("g1"), "cy"));
    Await.result(memberships.join("cy", "g2", 1, null));
    assertTrue(Await.failure(memberships.join("cy", "g3", 1, null)).getMessage().contains("1"), "past the groups cap");
    assertFalse(isMember(commands.keys().members("g3"), "cy"), "nothing changed on the group's side");
  }

  /**
   * A join counts the user's other registered sessions as it is stored, so that only a user who may have another
   * session is told to subscribe (a session registered later reads the group with the user's groups).
   */
  @Test
  void aJoinCountsTheUsersOtherSessionsAsItIsStored() {
    MembershipStore.Joined nobody = Await.result(memberships.join("di", "g1", 10, null));
    assertEquals(0, nobody.otherSessions());
    assertFalse(nobody.othersToTell(), "the application's join, no session at all: nobody to tell");
    Await.result(registry.register(new SessionInfo("s-1", "di", "phone", "gw-test", System.currentTimeMillis()), 10));
    assertTrue(Await.result(memberships.join("di", "g2", 10, null)).othersToTell(),
        "the application's join: the session is told");
    MembershipStore.Joined alone = Await.result(memberships.join("di", "g3", 10, "s-1"));
    assertEquals(0, alone.otherSessions(), "the joining session is not counted");
    Await.result(registry.register(new SessionInfo("s-2", "di", "laptop", "gw-test", System.currentTimeMillis()), 10));
    MembershipStore.Joined two = Await.result(memberships.join("di", "g4", 10, "s-1"));
    assertTrue(two.added());
    assertEquals(1, two.otherSessions());
    assertTrue(two.othersToTell(), "the other device must be told");
    assertEquals(2, Await.result(memberships.join("di", "g5", 10, "s-3")).otherSessions(),
        "a session the registry does not hold (swept with a node that paused) counts the others");
  }
}
