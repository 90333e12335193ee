package chat.gateway;

import static chat.gateway.MessagingTest.join;
import static chat.gateway.MessagingTest.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.ServerFrame;
import chat.protocol.client.ChatClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What clients see when Redis stops answering or comes back empty: refusals and notices, never silent loss. */
class RedisFaultTest {
  private final List<TestNode> nodes = new ArrayList<>();

  @BeforeEach
  void redis() {
    TestNode.useRedis(true);
  }

  @AfterEach
  void stop() {
    nodes.forEach(TestNode::close);
    TestNode.useRedis(false);
  }

  private TestNode node(String prefix, String id) {
    TestNode node = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", id, "REDIS_TIMEOUT", "1s",
        "CANARY_INTERVAL", "200ms", "NODE_TTL", "3s", "RATE_LIMIT_BURST", "1000");
    nodes.add(node);
    return node;
  }

  private static int ready(TestNode node) {
    return node.management(HttpMethod.GET, "/ready").status();
  }

  @Test
  void whileRedisIsPausedSendsAreUnavailableAndNothingAckedIsLost() {
    TestNode node = node(TestNode.newPrefix(), "gw-p");
    WsProbe bob = node.connected("bob");
    bob.send(join(1, "group/dev"));
    bob.next("joined");
    WsProbe alice = node.connected("alice");
    alice.send(join(1, "group/dev"));
    alice.next("joined");
    List<String> acked = new ArrayList<>();
    for (int seq = 1; seq <= 5; seq++) {
      alice.send(send(seq, "group/dev", "before " + seq));
      acked.add(alice.next("ack").getString("id"));
    }

    RedisFixture.get().pause(5000);
    Await.until("/ready 503 while Redis is paused", () -> ready(node) == 503);
    List<Integer> refused = new ArrayList<>();
    for (int seq = 6; seq <= 15; seq++) {
      alice.send(send(seq, "group/dev", "during " + seq));
      JsonObject reply = alice.next("ack", "error");
      assertEquals("error", reply.getString("type"), "nothing is acked while Redis is paused: " + reply);
      assertEquals("unavailable", reply.getString("code"));
      assertEquals(seq, reply.getInteger("seq"));
      refused.add(seq);
    }
    Await.until("/ready 200 once Redis answers again", () -> ready(node) == 200);

    for (int seq : refused) {
      alice.send(send(seq, "group/dev", "during " + seq));
      acked.add(alice.next("ack").getString("id"));
    }
    List<String> received = new ArrayList<>();
    while (!received.containsAll(acked)) {
      received.add(bob.next("message").getString("id"));
    }
    assertEquals(received.size(), new HashSet<>(received).size(), "no message delivered twice: " + received);
    assertTrue(bob.drainUntilPong().stream().noneMatch(f -> "message".equals(f.getString("type"))));
  }

  @Test
  void afterRedisComesBackEmptyUnderLoadSessionsStayAndEachChannelIsReportedLost() {
    String prefix = TestNode.newPrefix();
    TestNode first = node(prefix, "gw-a");
    TestNode second = node(prefix, "gw-b");
    ChatClient alice = first.client("alice", "phone");
    ChatClient bob = second.client("bob", "tablet");
    List<String> bobSaw = new CopyOnWriteArrayList<>();
    List<String> bobLost = new CopyOnWriteArrayList<>();
    List<Short> closed = new CopyOnWriteArrayList<>();
    bob.onMessage(m -> bobSaw.add(m.id()));
    bob.onFrame(f -> {
      if (f instanceof ServerFrame.Recovery r && !r.recovered()) {
        bobLost.add(r.channel());
      }
    });
    alice.onClose((code, reason) -> closed.add(code));
    bob.onClose((code, reason) -> closed.add(code));
    Await.result(alice.connect().compose(c -> alice.join("group/dev")));
    Await.result(bob.connect().compose(c -> bob.join("group/dev")));

    // alice sends every 50 ms, through the restart (her client retries what is refused meanwhile); each
    // ack is recorded with the time it came.
    List<long[]> ackedAt = new CopyOnWriteArrayList<>();
    List<String> ackedIds = new CopyOnWriteArrayList<>();
    Vertx vertx = first.clientVertx();
    long timer = vertx.setPeriodic(50, id -> alice.send("group/dev", "tick").onSuccess(ack -> {
      ackedIds.add(ack.id());
      ackedAt.add(new long[] {System.nanoTime()});
    }));
    Await.until("traffic before the restart", () -> ackedIds.size() >= 20);
    RedisFixture.get().restartEmpty(1500);
    Await.until("both nodes unready", () -> ready(first) == 503 || ready(second) == 503);
    Await.until("both nodes ready again", () -> ready(first) == 200 && ready(second) == 200);
    long back = System.nanoTime();
    assertTrue(first.management(HttpMethod.GET, "/metrics").body().matches("(?s).*chat_pubsub_reconnects_total [1-9].*"),
        "the pub/sub reconnect is counted");
    Await.until("bob told that group/dev's history is gone", () -> bobLost.contains("group/dev"));

    // Every message acked once both nodes are back reaches bob, exactly once, and nobody was closed.
    List<String> after = new CopyOnWriteArrayList<>();
    Await.until("20 messages acked after the nodes were back", () -> {
      after.clear();
      for (int i = 0; i < ackedIds.size(); i++) {
        if (ackedAt.get(i)[0] > back) {
          after.add(ackedIds.get(i));
        }
      }
      return after.size() >= 20;
    });
    vertx.cancelTimer(timer);
    Await.until("bob has every message acked after the restart", () -> bobSaw.containsAll(after));
    assertEquals(new HashSet<>(bobSaw).size(), bobSaw.size(), "no repeats");
    assertEquals(List.of(), closed, "no session was closed");
  }
}
