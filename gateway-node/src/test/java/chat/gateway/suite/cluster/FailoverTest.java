package chat.gateway.suite.cluster;

import static chat.gateway.testing.Frames.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.message.Position;
import chat.gateway.testing.Await;
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
 * Redis losing its primary under a steady stream of messages: every acked message reaches every member once
 * and in order, the nodes follow the promoted replica, and {@code /ready} says so while they do not. Run on a
 * Redis Cluster ({@link ClusterFailoverTest}) and under Sentinel ({@link SentinelFailoverTest}).
 */
abstract class FailoverTest {
  static final String GROUP = "group/dev";
  private final List<AutoCloseable> opened = new ArrayList<>();
  TestNode a;
  TestNode b;

  /** Nodes started from now on use the store under test. */
  abstract void useStore(boolean on);

  /** Kills (-9) the primary that holds {@link #GROUP}; returns what waits until a replica took over. */
  abstract Runnable killGroupsPrimary();

  /** Brings the killed primary back, as a replica, and waits for the store to be whole. */
  abstract void restore();

  @BeforeEach
  void start() {
    useStore(true);
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
    useStore(false);
    restore();
  }

  static int ready(TestNode node) {
    return node.management(HttpMethod.GET, "/ready").status();
  }

  WsProbe member(TestNode node, String user) {
    return node.member(user, GROUP);
  }

  /**
   * Sends {@code count} messages from {@code sender}, at most 5 unacked at a time, running {@code midway} after
   * the {@code at}-th ack; the acks, in send order. The client retries what is refused as temporary.
   */
  static List<ServerFrame.Ack> stream(ChatClient sender, int count, int at, Runnable midway) {
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
  static List<String> inPositionOrder(List<ServerFrame.Ack> acks) {
    return acks.stream().sorted(Comparator.comparing(ack -> Position.parse(ack.position()))).map(ServerFrame.Ack::id)
        .toList();
  }

  static void receivesExactly(WsProbe member, List<String> ids) {
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
    WsProbe bob = member(b, "bob");
    WsProbe carol = member(a, "carol");
    ChatClient alice = a.client("alice", "phone");
    Await.result(alice.connect());
    Await.result(alice.join(GROUP));
    AtomicBoolean sawUnready = new AtomicBoolean();

    Runnable[] failover = new Runnable[1];
    List<ServerFrame.Ack> acks = stream(alice, 150, 50, () -> {
      failover[0] = killGroupsPrimary();
      Await.until("the nodes see the primary go", () -> ready(a) == 503 && ready(b) == 503);
      sawUnready.set(true);
    });
    failover[0].run();
    Await.until(Duration.ofSeconds(30), "the nodes are ready again", () -> ready(a) == 200 && ready(b) == 200);

    assertTrue(sawUnready.get());
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
}
