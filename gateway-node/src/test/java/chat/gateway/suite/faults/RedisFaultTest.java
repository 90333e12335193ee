package chat.gateway.suite.faults;

import static chat.gateway.testing.Frames.join;
import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.ServerFrame;
import chat.protocol.client.ChatClient;
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

  /**
   * alice (on one node) sending to group/dev every 50 ms through whatever happens to Redis (her client
   * retries what is refused meanwhile), bob (on the other) receiving; what bob saw and was told, what
   * alice got acked and when, and every close either saw.
   */
  private final class Stream {
    final TestNode first;
    final TestNode second;
    final List<String> bobSaw = new CopyOnWriteArrayList<>();
    final List<String> bobLost = new CopyOnWriteArrayList<>();
    final List<Short> closed = new CopyOnWriteArrayList<>();
    final List<String> acked = new CopyOnWriteArrayList<>();
    final List<Long> ackedAt = new CopyOnWriteArrayList<>();
    private final long timer;

    Stream() {
      String prefix = TestNode.newPrefix();
      first = node(prefix, "gw-a");
      second = node(prefix, "gw-b");
      ChatClient alice = first.client("alice", "phone");
      ChatClient bob = second.client("bob", "tablet");
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
      timer = first.clientVertx().setPeriodic(50, id -> alice.send("group/dev", "tick").onSuccess(ack -> {
        acked.add(ack.id());
        ackedAt.add(System.nanoTime());
      }));
      Await.until("traffic before the restart", () -> acked.size() >= 20);
    }

    /** Waits until both nodes are ready and 20 more messages were acked after that; stops sending. */
    long runOnceBack() {
      Await.until("both nodes ready again", () -> ready(first) == 200 && ready(second) == 200);
      long back = System.nanoTime();
      // the client's retry backoff grew while Redis was away (up to 10 s): the first ack may wait for it
      Await.until(java.time.Duration.ofSeconds(40), "20 messages acked after the nodes were back",
          () -> ackedSince(back).size() >= 20);
      first.clientVertx().cancelTimer(timer);
      return back;
    }

    List<String> ackedSince(long nanos) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < ackedAt.size(); i++) {
        if (ackedAt.get(i) > nanos) {
          ids.add(acked.get(i));
        }
      }
      return ids;
    }
  }

  @Test
  void aRedisRestartWithItsDataUnderASteadyStreamKeepsEverySessionAndLosesNothing() {
    Stream stream = new Stream();
    RedisFixture.get().restart(1500);
    stream.runOnceBack();
    List<String> all = List.copyOf(stream.acked);
    Await.until("bob has every acked message", () -> stream.bobSaw.containsAll(all));
    List<String> saw = List.copyOf(stream.bobSaw); // bob may still be receiving the stream's last ticks
    assertEquals(new HashSet<>(saw).size(), saw.size(), "no repeats: " + saw);
    assertEquals(all, saw.subList(0, all.size()), "in the order they were acked");
    assertEquals(List.of(), stream.bobLost, "the history survived: nothing to report");
    assertEquals(List.of(), stream.closed, "no session was closed");
  }

  @Test
  void afterRedisComesBackEmptyUnderLoadSessionsStayAndEachChannelIsReportedLost() {
    Stream stream = new Stream();
    RedisFixture.get().restartEmpty(1500);
    long back = stream.runOnceBack();
    assertTrue(stream.first.management(HttpMethod.GET, "/metrics").body()
        .matches("(?s).*chat_pubsub_reconnects_total [1-9].*"), "the pub/sub reconnect is counted");
    Await.until("bob told that group/dev's history is gone", () -> stream.bobLost.contains("group/dev"));
    // Every message acked once both nodes are back reaches bob, exactly once, and nobody was closed.
    List<String> after = stream.ackedSince(back);
    Await.until("bob has every message acked after the restart", () -> stream.bobSaw.containsAll(after));
    List<String> saw = List.copyOf(stream.bobSaw); // bob may still be receiving the stream's last ticks
    assertEquals(new HashSet<>(saw).size(), saw.size(), "no repeats: " + saw);
    assertEquals(List.of(), stream.closed, "no session was closed");
  }
}
