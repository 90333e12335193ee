package chat.gateway.suite.messaging;

import static chat.gateway.testing.Frames.join;
import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.app.Backends;
import chat.gateway.history.Appended;
import chat.gateway.history.Draft;
import chat.gateway.history.HistoryStore;
import chat.gateway.testing.Await;
import chat.gateway.testing.DelayingProxy;
import chat.gateway.testing.ForwardingHistory;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.ServerFrame;
import chat.protocol.client.ChatClient;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Guarantee 3: when a session sends A before B to one channel without waiting for A's ack, A is stored
 * (and received by every member, and listed in history) before B. On Redis the nodes talk to Redis
 * through a proxy that delays every second connection, so a node that spreads one session's commands
 * over several connections reorders them every time.
 */
class SendOrderTest {
  private static final String GROUP = "group/order";
  private static final int SENDERS = 5;
  private static final int BURST = 30;

  private final List<TestNode> nodes = new ArrayList<>();
  private DelayingProxy proxy;

  @AfterEach
  void stop() {
    nodes.forEach(TestNode::close);
    if (proxy != null) {
      proxy.close();
    }
  }

  private void startCluster(int count, UnaryOperator<Backends> decorate, String... settings) {
    proxy = DelayingProxy.to(RedisFixture.get().url(), 25);
    String prefix = TestNode.newPrefix();
    for (int i = 1; i <= count; i++) {
      List<String> env = new ArrayList<>(List.of("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-" + i));
      RedisFixture.get().nodeSettings().forEach((name, value) -> env.addAll(List.of(name, value)));
      env.addAll(List.of("REDIS_URL", proxy.url()));
      env.addAll(List.of(settings));
      nodes.add(TestNode.start(Clock.systemUTC(), decorate, env.toArray(String[]::new)));
    }
  }

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {2, 3})
  void burstsOfSeveralSessionsKeepEachSendersOrderOnRedis(int count) {
    startCluster(count, UnaryOperator.identity());
    assertEachSendersOrder(bursts(), SENDERS * BURST);
  }

  @Test
  void burstsKeepEachSendersOrderOnTheEmbeddedNode() {
    nodes.add(TestNode.start());
    assertEachSendersOrder(bursts(), SENDERS * BURST);
  }

  /**
   * One node with one event loop: every send travels on one connection, which is the only one that loads
   * the scripts again after SCRIPT FLUSH, so everything refused in flight can be sent again in its turn.
   */
  @Test
  void aScriptCacheFlushedMidBurstIsReloadedAndEverySendStoredInOrder() {
    startCluster(1, UnaryOperator.identity(), "EVENT_LOOPS", "1");
    List<WsProbe> watchers = watchers();
    List<List<JsonObject>> answers = burstsWithAFlush(senders());
    answers.forEach(a -> assertTrue(a.stream().allMatch(f -> f.getString("type").equals("ack")), "every send acked: " + a));
    assertEachSendersOrder(watchers, SENDERS * BURST);
    assertTrue(nodes.get(0).management(HttpMethod.GET, "/metrics").body()
        .contains("chat_redis_connection_events_total{event=\"scripts_reloaded\"}"), "the reload is counted");
  }

  /**
   * Two nodes: one node's connection may load the scripts again while another's sends are still on their
   * way, so some of those run before earlier ones that were refused. Those earlier ones are then refused
   * (temporarily) rather than stored out of turn.
   */
  @Test
  void aScriptCacheFlushedMidBurstNeverReordersAcrossNodes() {
    startCluster(2, UnaryOperator.identity());
    List<WsProbe> watchers = watchers();
    List<List<JsonObject>> answers = burstsWithAFlush(senders());
    int acked = 0;
    for (List<JsonObject> a : answers) {
      for (JsonObject f : a) {
        if (f.getString("type").equals("ack")) {
          acked++;
        } else {
          assertEquals("unavailable", f.getString("code"), f.encode());
          assertTrue(f.getBoolean("temporary"));
        }
      }
    }
    assertEachSendersOrder(watchers, acked);
  }

  /** Every sender writes its burst; when the first ack is back (the rest still on their way), SCRIPT FLUSH. */
  private static List<List<JsonObject>> burstsWithAFlush(List<WsProbe> senders) {
    for (int s = 0; s < SENDERS; s++) {
      writeBurst(senders.get(s), s);
    }
    JsonObject first = senders.get(0).next("ack", "error");
    RedisFixture.get().call("SCRIPT", "FLUSH");
    List<List<JsonObject>> answers = new ArrayList<>();
    for (int s = 0; s < SENDERS; s++) {
      List<JsonObject> a = new ArrayList<>();
      if (s == 0) {
        a.add(first);
      }
      a.addAll(answers(senders.get(s), s == 0 ? BURST - 1 : BURST));
      answers.add(a);
    }
    return answers;
  }

  @Test
  void aSendRefusedInTheMiddleOfABurstDoesNotHoldBackTheRestOnRedis() {
    RefusingThird refusing = new RefusingThird();
    startCluster(2, b -> b.withHistory(refusing.around(b.history())));
    assertRefusedSendSkippedAndTheRestInOrder();
  }

  @Test
  void aSendRefusedInTheMiddleOfABurstDoesNotHoldBackTheRestEmbedded() {
    RefusingThird refusing = new RefusingThird();
    nodes.add(TestNode.start(Clock.systemUTC(), b -> b.withHistory(refusing.around(b.history()))));
    assertRefusedSendSkippedAndTheRestInOrder();
  }

  private void assertRefusedSendSkippedAndTheRestInOrder() {
    WsProbe watcher = member(nodes.get(nodes.size() - 1), "watcher");
    WsProbe sender = member(nodes.get(0), "sender");
    for (int n = 1; n <= 10; n++) {
      sender.send(send(n, GROUP, new JsonObject().put("s", 0).put("n", n)));
    }
    List<JsonObject> answers = answers(sender, 10);
    // an error may come before the acks of earlier sends; the acks come in send order
    assertEquals(List.of(1L, 2L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), answers.stream()
        .filter(a -> a.getString("type").equals("ack")).map(a -> a.getLong("seq")).toList(), "acks: " + answers);
    JsonObject refused = answers.stream().filter(a -> a.getString("type").equals("error")).findFirst().orElseThrow();
    assertEquals(3, refused.getLong("seq"));
    assertEquals("unavailable", refused.getString("code"));
    List<Long> received = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      received.add(watcher.next("message").getJsonObject("body").getLong("n"));
    }
    assertEquals(List.of(1L, 2L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), received);
    sender.send(send(3, GROUP, new JsonObject().put("s", 0).put("n", 3)));
    assertEquals("ack", sender.next("ack", "error").getString("type"), "the resend of the refused send is stored");
    assertEquals(3, watcher.next("message").getJsonObject("body").getLong("n"));
  }

  /**
   * The Java client retries a temporarily refused send itself, and sends made after the refusal wait behind
   * the retry: the channel's history is 1, 2, 3, 4, 5 although 3 was refused once and 4 and 5 were sent
   * while it waited.
   */
  @Test
  void theJavaClientRetriesARefusedSendAheadOfLaterOnes() {
    RefusingThird refusing = new RefusingThird();
    nodes.add(TestNode.start(Clock.systemUTC(), b -> b.withHistory(refusing.around(b.history()))));
    WsProbe watcher = member(nodes.get(0), "watcher");
    ChatClient client = nodes.get(0).client("sender", "phone");
    List<Future<ServerFrame.Ack>> acks = new java.util.concurrent.CopyOnWriteArrayList<>();
    client.onFrame(frame -> {
      if (frame instanceof ServerFrame.Error e && e.seq() != null && e.seq() == 3) {
        acks.add(client.send(GROUP, new JsonObject().put("s", 0).put("n", 4)));
        acks.add(client.send(GROUP, new JsonObject().put("s", 0).put("n", 5)));
      }
    });
    Await.result(client.connect());
    Await.result(client.join(GROUP));
    for (int n = 1; n <= 3; n++) {
      acks.add(client.send(GROUP, new JsonObject().put("s", 0).put("n", n)));
    }
    Await.until("five acks", () -> acks.size() == 5 && acks.stream().allMatch(Future::isComplete));
    assertTrue(acks.stream().allMatch(Future::succeeded), "every send stored in the end");
    List<Integer> received = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      received.add(watcher.next("message").getJsonObject("body").getInteger("n"));
    }
    assertEquals(List.of(1, 2, 3, 4, 5), received);
  }

  /** Refuses the third send it sees (as a store that timed out would), passing everything else on. */
  private static final class RefusingThird {
    private int appends;

    HistoryStore around(HistoryStore real) {
      return new ForwardingHistory(real) {
        @Override
        public Future<Appended> append(Draft draft) {
          synchronized (RefusingThird.this) {
            if (draft.key() != null && ++appends == 3) {
              return Future.failedFuture(new IOException("timed out"));
            }
          }
          return real.append(draft);
        }
      };
    }
  }

  // ---- the bursts ---------------------------------------------------------------------------------

  /** One watcher per node, then {@value #SENDERS} senders spread over the nodes each pipelining a burst. */
  private List<WsProbe> bursts() {
    List<WsProbe> watchers = watchers();
    List<WsProbe> senders = senders();
    for (int s = 0; s < SENDERS; s++) {
      writeBurst(senders.get(s), s);
    }
    for (int s = 0; s < SENDERS; s++) {
      List<JsonObject> answers = answers(senders.get(s), BURST);
      assertTrue(answers.stream().allMatch(a -> a.getString("type").equals("ack")), "every send acked: " + answers);
    }
    return watchers;
  }

  private List<WsProbe> watchers() {
    List<WsProbe> watchers = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      watchers.add(member(nodes.get(i), "watcher" + i));
    }
    return watchers;
  }

  private List<WsProbe> senders() {
    List<WsProbe> senders = new ArrayList<>();
    for (int s = 0; s < SENDERS; s++) {
      senders.add(member(nodes.get(s % nodes.size()), "sender" + s));
    }
    return senders;
  }

  /** Writes the burst back to back: none of these waits for an ack. */
  private static void writeBurst(WsProbe sender, int s) {
    for (int n = 1; n <= BURST; n++) {
      sender.send(send(n, GROUP, new JsonObject().put("s", s).put("n", n)));
    }
  }

  /** The next {@code count} acks and errors of {@code sender}, in the order they arrived. */
  private static List<JsonObject> answers(WsProbe sender, int count) {
    List<JsonObject> answers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      answers.add(sender.next("ack", "error"));
    }
    return answers;
  }

  private static WsProbe member(TestNode node, String user) {
    return node.member(user, GROUP);
  }

  /**
   * Every watcher received the {@code stored} messages, each sender's in the order sent, all watchers in
   * the same order, and the channel's history lists them in that order too.
   */
  private void assertEachSendersOrder(List<WsProbe> watchers, int stored) {
    List<String> first = null;
    for (WsProbe watcher : watchers) {
      List<String> ids = new ArrayList<>();
      Map<Integer, List<Integer>> bySender = new HashMap<>();
      for (int i = 0; i < stored; i++) {
        JsonObject message = watcher.next("message");
        ids.add(message.getString("id"));
        JsonObject body = message.getJsonObject("body");
        bySender.computeIfAbsent(body.getInteger("s"), k -> new ArrayList<>()).add(body.getInteger("n"));
      }
      bySender.forEach((s, received) -> assertEquals(received.stream().sorted().toList(), received,
          "sender" + s + "'s messages in the order sent"));
      if (stored == SENDERS * BURST) {
        bySender.forEach((s, received) -> assertEquals(range(BURST), received, "sender" + s + "'s messages"));
      }
      if (first == null) {
        first = ids;
      } else {
        assertEquals(first, ids, "every member sees one order");
      }
    }
    JsonArray history = nodes.get(0).api(HttpMethod.GET, "/api/history/group%2Forder?limit=500", null).json()
        .getJsonArray("messages");
    assertEquals(first, history.stream().map(m -> ((JsonObject) m).getString("id")).toList(), "history order");
  }

  private static List<Integer> range(int n) {
    List<Integer> list = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      list.add(i);
    }
    return list;
  }
}
