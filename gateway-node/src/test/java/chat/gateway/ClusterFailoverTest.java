package chat.gateway;

import static chat.gateway.MessagingTest.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.message.Position;
import chat.gateway.testing.Await;
import chat.gateway.testing.RedisClusterFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.ServerFrame;
import chat.protocol.client.ChatClient;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Redis Cluster losing a primary, or moving a slot, under a steady stream of messages: every acked message
 * reaches every member once and in order, the nodes' subscriptions follow the slot to its new primary, and
 * {@code /ready} says so while they do not.
 */
class ClusterFailoverTest {
  private static final String GROUP = "group/dev";
  private final RedisClusterFixture cluster = RedisClusterFixture.get();
  private final List<AutoCloseable> opened = new ArrayList<>();
  private TestNode a;
  private TestNode b;

  @BeforeEach
  void start() {
    TestNode.useRedisCluster(true);
    String prefix = TestNode.newPrefix();
    a = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-a", "CANARY_INTERVAL", "200ms",
        "RATE_LIMIT_BURST", "1000");
    opened.add(a);
    b = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-b", "CANARY_INTERVAL", "200ms",
        "RATE_LIMIT_BURST", "1000");
    opened.add(b);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    TestNode.useRedisCluster(false);
    cluster.restore();
  }

  private static int ready(TestNode node) {
    return node.management(HttpMethod.GET, "/ready").status();
  }

  private WsProbe member(TestNode node, String user) {
    WsProbe ws = node.connected(user);
    ws.send(join(1, GROUP));
    ws.next("joined");
    return ws;
  }

  /**
   * Sends {@code count} messages from {@code sender}, at most 5 unacked at a time, running {@code midway} after
   * the {@code at}-th ack; the acks, in send order. The client retries what is refused as temporary.
   */
  private static List<ServerFrame.Ack> stream(ChatClient sender, int count, int at, Runnable midway) {
    List<Future<ServerFrame.Ack>> acks = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      if (i > 5) {
        Await.result(acks.get(i - 6));
      }
      if (i == at) {
        midway.run();
      }
      acks.add(sender.send(GROUP, "m" + i));
    }
    return acks.stream().map(Await::result).toList();
  }

  /** The acked messages as members must see them: in the order of their positions. */
  private static List<String> inPositionOrder(List<ServerFrame.Ack> acks) {
    return acks.stream().sorted(Comparator.comparing(ack -> Position.parse(ack.position()))).map(ServerFrame.Ack::id)
        .toList();
  }

  private static void receivesExactly(WsProbe member, List<String> ids) {
    List<String> received = new ArrayList<>();
    while (received.size() < ids.size()) {
      received.add(member.next("message").getString("id"));
    }
    assertEquals(ids, received, "every acked message once, in order");
    assertTrue(member.drainUntilPong().stream().noneMatch(f -> "message".equals(f.getString("type"))), "no repeats");
    assertFalse(member.isClosed());
  }

  @Test
  void aPrimaryKilledUnderAStreamLosesNoAckedMessageAndTheNodesFollowTheFailover() {
    int slot = cluster.slot("{" + GROUP + "}");
    int primary = cluster.primaryOf(slot);
    WsProbe bob = member(b, "bob");
    WsProbe carol = member(a, "carol");
    ChatClient alice = a.client("alice", "phone");
    Await.result(alice.connect());
    Await.result(alice.join(GROUP));
    AtomicBoolean sawUnready = new AtomicBoolean();

    List<ServerFrame.Ack> acks = stream(alice, 150, 50, () -> {
      cluster.kill(primary);
      Await.until("the nodes see the shard go", () -> ready(a) == 503 && ready(b) == 503);
      sawUnready.set(true);
    });
    int promoted = cluster.awaitFailover(slot, primary);
    Await.until(Duration.ofSeconds(30), "the nodes are ready again", () -> ready(a) == 200 && ready(b) == 200);

    assertTrue(sawUnready.get());
    assertTrue(promoted != primary);
    List<String> ids = inPositionOrder(acks);
    assertEquals(150, ids.stream().distinct().count(), "150 messages, each acked once");
    receivesExactly(bob, ids);
    receivesExactly(carol, ids);
    // live again on the promoted replica: a message after the failover arrives at once
    ServerFrame.Ack after = Await.result(alice.send(GROUP, "after"));
    assertEquals(after.id(), bob.next("message").getString("id"));
    List<?> history = a.api(HttpMethod.GET, "/api/history/group%2Fdev?limit=500", null).json()
        .getJsonArray("messages").getList();
    assertEquals(151, history.size(), "history holds every acked message once");
  }

  @Test
  void aSlotMigratedUnderAStreamLosesAndRepeatsNothing() {
    int slot = cluster.slot("{" + GROUP + "}");
    int from = cluster.primaryOf(slot);
    int to = cluster.primaries().stream().filter(p -> p != from).findFirst().orElseThrow();
    WsProbe bob = member(b, "bob");
    WsProbe carol = member(a, "carol");
    ChatClient alice = a.client("alice", "phone");
    Await.result(alice.connect());
    Await.result(alice.join(GROUP));

    // the group's keys (stream, meta, members, dedupe records) move a few at a time while messages flow
    Thread migration = new Thread(() -> cluster.migrate(slot, to, 3, 20));
    List<ServerFrame.Ack> acks = stream(alice, 150, 40, migration::start);
    try {
      migration.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertEquals(to, cluster.primaryOf(slot), "the slot moved");
    List<String> ids = inPositionOrder(acks);
    assertEquals(150, ids.stream().distinct().count());
    receivesExactly(bob, ids);
    receivesExactly(carol, ids);
    ServerFrame.Ack after = Await.result(alice.send(GROUP, "after"));
    assertEquals(after.id(), bob.next("message").getString("id"), "subscribed where the slot is now");
    assertEquals(200, ready(a));
    assertEquals(200, ready(b));
  }
}
