package chat.gateway.suite.faults;

import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.CuttableProxy;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.CloseCode;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One node of two loses Redis (its commands and its pub/sub) while the other goes on: the cut-off node
 * keeps its sessions, answers them {@code unavailable} meanwhile, fills what they missed from history
 * when Redis is back, and puts them back into the registry; past {@code REDIS_OUTAGE_GRACE} it sheds them.
 */
class RedisOutageTest {
  private final List<AutoCloseable> opened = new ArrayList<>();
  private CuttableProxy link;
  private TestNode direct;
  private TestNode cutOff;
  private String prefix;

  @BeforeEach
  void cluster() {
    TestNode.useRedis(true);
  }

  private void start(String... settings) {
    start(List.of(settings), List.of(settings));
  }

  /** The node linked directly with {@code directSettings}, the one behind the proxy with {@code cutOffSettings}. */
  private void start(List<String> directSettings, List<String> cutOffSettings) {
    prefix = TestNode.newPrefix();
    link = CuttableProxy.to(RedisFixture.get().url());
    opened.add(link);
    List<String> common = List.of("REDIS_KEY_PREFIX", prefix, "REDIS_TIMEOUT", "1s",
        "CANARY_INTERVAL", "200ms", "NODE_TTL", "2s", "RATE_LIMIT_BURST", "1000");
    List<String> a = new ArrayList<>(common);
    a.addAll(directSettings);
    a.addAll(List.of("NODE_ID", "gw-a"));
    direct = TestNode.start(a.toArray(String[]::new));
    opened.add(direct);
    List<String> b = new ArrayList<>(common);
    b.addAll(cutOffSettings);
    b.addAll(List.of("NODE_ID", "gw-b", "REDIS_URL", link.url()));
    cutOff = TestNode.start(b.toArray(String[]::new));
    opened.add(cutOff);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    TestNode.useRedis(false);
  }

  private static int ready(TestNode node) {
    return node.management(HttpMethod.GET, "/ready").status();
  }

  /** Sends n messages from {@code sender}, seq from {@code firstSeq}; returns their ids in order. */
  private static List<String> sendAll(WsProbe sender, int firstSeq, int n) {
    List<String> ids = new ArrayList<>();
    for (int seq = firstSeq; seq < firstSeq + n; seq++) {
      sender.send(send(seq, "group/dev", "m" + seq));
      ids.add(sender.next("ack").getString("id"));
    }
    return ids;
  }

  /** The ids of the next {@code n} messages {@code ws} receives. */
  private static List<String> messageIds(WsProbe ws, int n) {
    List<String> ids = new ArrayList<>();
    while (ids.size() < n) {
      ids.add(ws.next("message").getString("id"));
    }
    return ids;
  }

  @Test
  void aNodeCutOffFromRedisKeepsItsSessionsAndFillsTheGapOnceBack() {
    start();
    WsProbe alice = direct.member("alice", "group/dev");
    WsProbe bob = cutOff.member("bob", "group/dev");
    WsProbe carol = cutOff.member("carol", "group/dev");
    List<String> acked = new ArrayList<>(sendAll(alice, 1, 5));

    link.cut();
    Await.until("the cut-off node is unready", () -> ready(cutOff) == 503);
    carol.send(send(1, "group/dev", "while cut off"));
    JsonObject refused = carol.next("ack", "error");
    assertEquals("unavailable", refused.getString("code"), "a session of the cut-off node is refused, not closed");
    assertEquals(1, refused.getInteger("seq"));
    acked.addAll(sendAll(alice, 6, 20)); // the other node goes on: the cut-off node misses these live
    link.restore();
    Await.until("the cut-off node is ready again", () -> ready(cutOff) == 200);
    acked.addAll(sendAll(alice, 26, 5));

    List<String> received = messageIds(bob, acked.size());
    assertEquals(acked, received, "every acked message once, in order, across the outage");
    assertTrue(bob.drainUntilPong().stream().noneMatch(f -> "message".equals(f.getString("type"))), "no repeats");
    assertFalse(bob.isClosed());
    assertFalse(carol.isClosed());
    carol.send(send(2, "group/dev", "back"));
    assertEquals("ack", carol.next("ack", "error").getString("type"));
    assertTrue(cutOff.management(HttpMethod.GET, "/metrics").body()
        .matches("(?s).*chat_pubsub_reconnects_total [1-9].*"), "the lost link is counted");
  }

  /** The start of a user's channel is read with the session's registration: a gap in it is filled the same way. */
  @Test
  void directMessagesMissedWhileCutOffAreFilledOnceBack() {
    start();
    WsProbe alice = direct.connected("alice");
    WsProbe bob = cutOff.connected("bob"); // no message yet: the node knows where bob's channel starts from his start

    link.cut();
    Await.until("the cut-off node is unready", () -> ready(cutOff) == 503);
    for (int seq = 1; seq <= 3; seq++) {
      alice.send(send(seq, "user/bob", "while cut off " + seq));
      assertEquals("ack", alice.next("ack", "error").getString("type"));
    }
    link.restore();
    Await.until("the cut-off node is ready again", () -> ready(cutOff) == 200);
    alice.send(send(4, "user/bob", "back"));
    assertEquals("ack", alice.next("ack", "error").getString("type"));

    List<String> received = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      received.add(bob.next("message", "recovery").getString("body"));
    }
    assertEquals(List.of("while cut off 1", "while cut off 2", "while cut off 3", "back"), received,
        "every acked message once, in order, and no recovery notice");
    assertFalse(bob.isClosed());
  }

  @Test
  void aLinkThatGoesSilentIsMadeAgainAndTheGapFilled() {
    // every connection of the node to Redis goes silent (no FIN, no RST: a partition of those flows), while new
    // ones get through: the node must not wait deaf for TCP to give up
    start();
    WsProbe alice = direct.member("alice", "group/dev");
    WsProbe bob = cutOff.member("bob", "group/dev");
    List<String> acked = new ArrayList<>(sendAll(alice, 1, 3));
    link.freeze();
    acked.addAll(sendAll(alice, 4, 10)); // the silent subscriber does not hear these
    Await.until("the deaf subscriber dropped", () -> cutOff.management(HttpMethod.GET, "/metrics").body()
        .matches("(?s).*chat_pubsub_deaf_total [1-9].*"));
    Await.until("the node is ready again on new connections", () -> ready(cutOff) == 200);
    acked.addAll(sendAll(alice, 14, 3));
    List<String> received = messageIds(bob, acked.size());
    assertEquals(acked, received, "every acked message once, in order, across the silence");
    assertFalse(bob.isClosed());
  }

  @Test
  void afterAnOutageLongerThanNodeTtlTheSessionsAreBackInTheRegistryAndGetDirectMessages() {
    start();
    WsProbe alice = direct.connected("alice");
    WsProbe bob = cutOff.connected("bob");
    link.cut();
    // The other node's sweep sees gw-b's liveness expire and takes its sessions out: bob goes offline.
    Await.until("bob swept from the registry", () -> !direct.online("bob"));
    link.restore();
    Await.until("the cut-off node is ready again", () -> ready(cutOff) == 200);
    Await.until("bob back in the registry", () -> direct.online("bob"));
    alice.send(send(1, "user/bob", "still there?"));
    assertEquals("ack", alice.next("ack", "error").getString("type"));
    assertEquals("still there?", bob.next("message").getString("body"));
    assertFalse(bob.isClosed());
  }

  @Test
  void aNodeWhoseLivenessLapsedWhileItsLinkStayedUpPutsItsSessionsBack() {
    // a pause past NODE_TTL: the other node's sweep (every 0.5 s here) takes the sessions out before the paused
    // node's next refresh (every 4 s) finds its liveness gone; no connection dropped, so no outage is seen
    start(List.of("NODE_TTL", "1s"), List.of("NODE_TTL", "12s"));
    WsProbe alice = direct.connected("alice");
    WsProbe bob = cutOff.connected("bob");
    Await.until("bob online", () -> direct.online("bob"));
    List<String> liveness = RedisFixture.get().strings("KEYS", prefix + "alive:*gw-b*");
    assertEquals(1, liveness.size(), "gw-b's liveness key");
    RedisFixture.get().call("DEL", liveness.get(0));
    Await.until("bob swept from the registry", () -> !direct.online("bob"));
    Await.until("bob back in the registry", () -> direct.online("bob"));
    alice.send(send(1, "user/bob", "still there?"));
    assertEquals("ack", alice.next("ack", "error").getString("type"));
    assertEquals("still there?", bob.next("message").getString("body"));
  }

  @Test
  void aSessionThatClosesDuringTheOutageLeavesTheRegistryOnceTheLinkIsBack() {
    start("NODE_TTL", "30s"); // no sweep takes it out meanwhile: the node itself must
    WsProbe carol = cutOff.connected("carol");
    Await.until("carol online", () -> direct.online("carol"));
    link.cut();
    Await.until("the cut-off node is unready", () -> ready(cutOff) == 503);
    carol.close();
    Await.until("the node failed to take carol out of the registry", () -> cutOff.management(HttpMethod.GET,
        "/metrics").body().matches("(?s).*chat_redis_command_seconds_count\\{command=\"unregister\",result=\"failed\"} [1-9].*"));
    link.restore();
    Await.until("the cut-off node is ready again", () -> ready(cutOff) == 200);
    Await.until("carol offline for the whole cluster", () -> !direct.online("carol"));
  }


  @Test
  void pastTheGraceTheCutOffNodeShedsItsSessionsWith4100() {
    start("REDIS_OUTAGE_GRACE", "1s", "DRAIN_WINDOW", "1s", "WS_CLOSING_TIMEOUT", "1s");
    WsProbe bob = cutOff.connected("bob");
    WsProbe alice = direct.connected("alice");
    link.cut();
    assertEquals(CloseCode.DRAINING.code(), bob.closeCode());
    assertFalse(alice.isClosed(), "the node still linked keeps its sessions");
  }
}
