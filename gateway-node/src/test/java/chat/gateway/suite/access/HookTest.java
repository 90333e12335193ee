package chat.gateway.suite.access;

import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.HookBackend;
import chat.gateway.testing.HookBackend.Answer;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.client.ChatClient;
import chat.protocol.client.ClientOptions;
import chat.protocol.ServerFrame;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Version 1.1, "Hooks": the application's backend signs sessions in (connect hook, with the browser's cookie),
 * decides joins of closed groups (join hook) and checks messages before they are stored (publish hook), over
 * signed HTTP; a hook that is slow, down, erroring or answering garbage is never a yes. On one node here, across
 * two nodes on Redis in {@link HookOnRedisTest}.
 */
class HookTest {
  private static final long TIMEOUT_MS = 400;
  private final List<TestNode> nodes = new ArrayList<>();
  private HookBackend backend;

  protected void useStore(boolean on) {
  }

  protected int nodeCount() {
    return 1;
  }

  @BeforeEach
  void start() {
    backend = new HookBackend();
    // the connect hook signs in the user its cookie names; data may name an admin role and a lifetime
    backend.on("/connect", request -> {
      String cookie = request.getJsonObject("client").getJsonObject("headers").getString("cookie", "");
      if (!cookie.startsWith("sid=")) {
        return Answer.json(new JsonObject().put("error", new JsonObject().put("message", "please sign in")));
      }
      JsonObject answer = new JsonObject().put("user", cookie.substring(4)).put("groups", new JsonArray().add("staff.*"));
      JsonObject data = request.getValue("data") instanceof JsonObject d ? d : new JsonObject();
      if (data.containsKey("lifetime")) {
        answer.put("expires", System.currentTimeMillis() + data.getLong("lifetime"));
      }
      return Answer.json(answer);
    });
    backend.on("/join", request -> Answer.json(request.getString("group").startsWith("paid")
        ? new JsonObject().put("allow", true)
        : new JsonObject().put("allow", false).put("message", "buy a ticket for " + request.getString("group"))));
    backend.on("/publish", request -> {
      Object body = request.getValue("body");
      if ("spam".equals(body)) {
        return Answer.json(new JsonObject().put("allow", false).put("message", "no spam here"));
      }
      if ("darn".equals(body)) {
        return Answer.json(new JsonObject().put("allow", true).put("body", "d**n"));
      }
      return Answer.json(new JsonObject().put("allow", true));
    });
    useStore(true);
    String prefix = TestNode.newPrefix();
    for (int i = 1; i <= nodeCount(); i++) {
      nodes.add(TestNode.start("AUTH_MODE", "hook", "CONNECT_HOOK_URL", backend.url("/connect"),
          "JOIN_HOOK_URL", backend.url("/join"), "PUBLISH_HOOK_URL", backend.url("/publish"),
          "PUBLISH_HOOK_CHANNELS", "group/*,user/*", "HOOK_SECRET", HookBackend.SECRET,
          "HOOK_TIMEOUT", TIMEOUT_MS + "ms", "HOOK_BREAKER_FAILURES", "3", "HOOK_BREAKER_OPEN", "300ms",
          "OPEN_GROUPS", "public.*", "JWT_LEEWAY", "0s", "REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-" + i));
    }
  }

  @AfterEach
  void stop() {
    nodes.forEach(TestNode::close);
    useStore(false);
    backend.close();
  }

  private TestNode first() {
    return nodes.get(0);
  }

  private TestNode last() {
    return nodes.get(nodes.size() - 1);
  }

  /** A session signed in by the connect hook with the cookie of {@code user}. */
  private static WsProbe connect(TestNode node, String user, String device) {
    WsProbe ws = node.probe("Cookie", "sid=" + user, "User-Agent", "hook-test", "Origin", "http://app.example");
    ws.send(new JsonObject().put("type", "connect").put("device", device).put("data", new JsonObject().put("app", 7)));
    JsonObject connected = ws.next("connected", "error");
    assertEquals("connected", connected.getString("type"), connected.encode());
    return ws;
  }

  private static JsonObject join(WsProbe ws, long ref, String channel) {
    ws.send(new JsonObject().put("type", "join").put("ref", ref).put("channel", channel));
    return ws.next("joined", "error");
  }

  private static void assertError(String code, JsonObject frame) {
    assertEquals("error", frame.getString("type"), frame.encode());
    assertEquals(code, frame.getString("code"), frame.encode());
  }

  @Test
  void theConnectHookSignsInWithTheCookieItWasGivenSignedRequests() {
    WsProbe alice = connect(first(), "alice", "phone");
    HookBackend.Received asked = backend.received("/connect").get(0);
    assertTrue(asked.signed(), "X-Chat-Signature is the HMAC of timestamp.body with HOOK_SECRET");
    assertNotNull(asked.requestId());
    assertTrue(Math.abs(System.currentTimeMillis() - asked.timestamp()) < 60_000, "X-Chat-Timestamp is now, in ms");
    JsonObject client = asked.body().getJsonObject("client");
    assertEquals("127.0.0.1", client.getString("address"));
    assertEquals("http://app.example", client.getString("origin"));
    assertEquals(new JsonObject().put("cookie", "sid=alice").put("user-agent", "hook-test"), client.getJsonObject("headers"));
    assertEquals(new JsonObject().put("app", 7), asked.body().getJsonObject("data"), "connect.data reaches the hook");
    assertEquals("phone", asked.body().getString("device"));
    // the hook's groups grant closed groups as a token's do, without asking the join hook
    assertEquals("joined", join(alice, 1, "group/staff.ops").getString("type"));
    assertTrue(backend.received("/join").isEmpty());

    WsProbe stranger = first().probe();
    stranger.send(new JsonObject().put("type", "connect").put("device", "d"));
    JsonObject refused = stranger.next("error");
    assertEquals("unauthorized", refused.getString("code"));
    assertEquals("please sign in", refused.getString("message"), "the application's own words");
    assertEquals(4001, stranger.closeCode());
  }

  @Test
  void aConnectHookNamingAnInvalidUserIdIsUnauthorized() {
    backend.on("/connect", request -> Answer.json(new JsonObject().put("user", "no spaces allowed")));
    WsProbe ws = first().probe("Cookie", "sid=x");
    ws.send(new JsonObject().put("type", "connect").put("device", "d"));
    assertError("unauthorized", ws.next("error"));
    assertEquals(4001, ws.closeCode());
  }

  @Test
  void aConnectHookThatFailsClosesWith4503WithinTheTimeout() {
    List<Answer> failures = List.of(Answer.status(500), Answer.garbage(), Answer.never(),
        Answer.json(new JsonObject().put("user", 42)),
        new Answer(200, "{\"user\":\"" + "x".repeat(70_000) + "\"}", 0));
    for (Answer failure : failures) {
      backend.on("/connect", request -> failure);
      long started = System.nanoTime();
      WsProbe ws = first().probe("Cookie", "sid=alice");
      ws.send(new JsonObject().put("type", "connect").put("device", "d"));
      assertError("unavailable", ws.next("error"));
      assertEquals(4503, ws.closeCode(), "a hook in trouble is the backend's, not the client's: it comes back");
      assertTrue((System.nanoTime() - started) / 1_000_000 < TIMEOUT_MS + 2_000, failure.toString());
      backend.on("/connect", request -> Answer.json(new JsonObject().put("user", "alice")));
      connect(first(), "alice", "d"); // the breaker (3 in a row) never opens: each failure is followed by a success
    }
  }

  @Test
  void theJoinHookDecidesAClosedGroupWithNoOtherGrant() {
    WsProbe bob = connect(first(), "bob", "d");
    assertEquals("joined", join(bob, 1, "group/public.lobby").getString("type"));
    assertTrue(backend.received("/join").isEmpty(), "an open group asks nobody");
    assertEquals("joined", join(bob, 2, "group/paid.vip").getString("type"));
    JsonObject asked = backend.received("/join").get(0).body();
    assertEquals("bob", asked.getString("user"));
    assertEquals("paid.vip", asked.getString("group"));
    assertTrue(asked.getString("session").startsWith("gw-"), asked.encode());
    JsonObject refused = join(bob, 3, "group/free");
    assertError("forbidden", refused);
    assertEquals("buy a ticket for free", refused.getString("message"));
    // the join made a stored membership: another session of bob's joins without asking again
    backend.forget();
    assertEquals("joined", join(connect(last(), "bob", "laptop"), 1, "group/paid.vip").getString("type"));
    assertTrue(backend.received("/join").isEmpty(), "a stored membership is a grant");

    backend.on("/join", request -> Answer.status(503));
    assertError("unavailable", join(bob, 4, "group/paid.other"));
  }

  @Test
  void thePublishHookRefusesRewritesAndIsAskedAgainOnAResend() {
    WsProbe alice = connect(first(), "alice", "d");
    WsProbe bob = connect(last(), "bob", "d");
    join(alice, 1, "group/public.room");
    join(bob, 1, "group/public.room");
    alice.send(send(1, "group/public.room", "spam"));
    JsonObject refused = alice.next("ack", "error");
    assertError("forbidden", refused);
    assertEquals("no spam here", refused.getString("message"));
    assertEquals(1, refused.getLong("seq"));
    alice.send(send(2, "group/public.room", "darn"));
    assertEquals("ack", alice.next("ack", "error").getString("type"));
    assertEquals("d**n", bob.next("message").getString("body"), "the replacement is stored and delivered");
    JsonObject asked = backend.received("/publish").get(1).body();
    assertEquals(new JsonObject().put("user", "alice").put("channel", "group/public.room").put("device", "d")
        .put("seq", 2).put("body", "darn"), asked);
    // refused is not stored: a resend of seq 1 asks the hook again, which now lets it through
    backend.on("/publish", request -> Answer.json(new JsonObject().put("allow", true)));
    alice.send(send(1, "group/public.room", "spam"));
    assertEquals("ack", alice.next("ack", "error").getString("type"));
    assertEquals("spam", bob.next("message").getString("body"));
    JsonObject history = first().api(HttpMethod.GET, "/api/history/group/public.room", null).json();
    assertEquals(List.of("d**n", "spam"), history.getJsonArray("messages").stream()
        .map(m -> ((JsonObject) m).getValue("body")).toList());
  }

  @Test
  void editsAndDeletionsGoThroughThePublishHookSayingWhatTheyChange() {
    WsProbe alice = connect(first(), "alice", "d");
    join(alice, 1, "group/public.room");
    backend.on("/publish", request -> Answer.json(new JsonObject().put("allow", true)));
    alice.send(send(1, "group/public.room", "helo"));
    String id = alice.next("ack").getString("id");
    alice.send(send(2, "group/public.room", "hello").put("replaces", id));
    assertEquals("ack", alice.next("ack", "error").getString("type"));
    alice.send(new JsonObject().put("type", "send").put("seq", 3).put("channel", "group/public.room").put("deletes", id));
    assertEquals("ack", alice.next("ack", "error").getString("type"));
    List<JsonObject> asked = backend.received("/publish").stream().map(r -> r.body()).toList();
    assertEquals(new JsonObject().put("user", "alice").put("channel", "group/public.room").put("device", "d")
        .put("seq", 2).put("body", "hello").put("replaces", id), asked.get(1));
    assertEquals(new JsonObject().put("user", "alice").put("channel", "group/public.room").put("device", "d")
        .put("seq", 3).put("deletes", id), asked.get(2));
    backend.on("/publish", request -> Answer.json(new JsonObject().put("allow", false).put("message", "keep it")));
    alice.send(send(4, "group/public.room", "more").put("replaces", id));
    assertError("forbidden", alice.next("ack", "error"));
  }

  @Test
  void aResendOfAStoredSendIsAckedFromItsRecordWithoutAskingTheHook() {
    WsProbe alice = connect(first(), "alice", "d");
    alice.send(send(1, "user/bob", "hello"));
    JsonObject ack = alice.next("ack");
    alice.close();
    backend.forget();
    backend.on("/publish", request -> Answer.json(new JsonObject().put("allow", false).put("message", "changed my mind")));
    WsProbe again = connect(last(), "alice", "d"); // the same device, on any node
    again.send(send(1, "user/bob", "hello"));
    JsonObject second = again.next("ack", "error");
    assertEquals("ack", second.getString("type"), second.encode());
    assertEquals(ack.getString("id"), second.getString("id"));
    assertEquals(ack.getString("position"), second.getString("position"));
    assertTrue(backend.received("/publish").isEmpty(), "the hook said yes once; it is not asked again");
  }

  @Test
  void aSessionsSendsKeepTheirOrderWhateverTheHooksAnswerTimes() {
    // the first answers last: 1 waits 300 ms, 2 at once, 3 after 150 ms, 4 is refused, 5 at once
    backend.on("/publish", request -> switch (request.getInteger("seq")) {
      case 1 -> Answer.json(new JsonObject().put("allow", true)).after(300);
      case 3 -> Answer.json(new JsonObject().put("allow", true)).after(150);
      case 4 -> Answer.json(new JsonObject().put("allow", false));
      default -> Answer.json(new JsonObject().put("allow", true));
    });
    WsProbe alice = connect(first(), "alice", "d");
    WsProbe bob = connect(last(), "bob", "d");
    join(alice, 1, "group/public.order");
    join(bob, 1, "group/public.order");
    for (int seq = 1; seq <= 5; seq++) {
      alice.send(send(seq, "group/public.order", "m" + seq));
    }
    List<String> received = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      received.add(bob.next("message").getString("body"));
    }
    assertEquals(List.of("m1", "m2", "m3", "m5"), received, "positions follow the send order; a refusal blocks nothing");
    List<Long> acked = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      acked.add(alice.next("ack", "error").getLong("seq"));
    }
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), acked.stream().sorted().toList(), "every send answered");
  }

  @Test
  void aReplacementPastTheSizeLimitIsTooLargeAndABadVerdictUnavailable() {
    WsProbe alice = connect(first(), "alice", "d");
    join(alice, 1, "group/public.x");
    backend.on("/publish", request -> Answer.json(new JsonObject().put("allow", true).put("body", "y".repeat(66_000))));
    alice.send(send(1, "group/public.x", "short"));
    assertError("too_large", alice.next("ack", "error"));
    backend.on("/publish", request -> Answer.json(new JsonObject().put("allow", "yes")));
    alice.send(send(2, "group/public.x", "short"));
    assertError("unavailable", alice.next("ack", "error"));
    assertEquals(0, first().api(HttpMethod.GET, "/api/history/group/public.x", null).json()
        .getJsonArray("messages").size(), "nothing refused was stored");
  }

  @Test
  void aHookDownIsAnsweredAtOnceByTheBreakerAndTriedAgainAfterIt() {
    WsProbe alice = connect(first(), "alice", "d");
    join(alice, 1, "group/public.b");
    backend.down();
    for (int seq = 1; seq <= 6; seq++) {
      alice.send(send(seq, "group/public.b", "m" + seq));
      assertError("unavailable", alice.next("ack", "error"));
    }
    String metrics = first().management(HttpMethod.GET, "/metrics").body();
    assertTrue(metrics.contains("chat_hook_failures_total{hook=\"publish\",kind=\"connection\"}"), metrics);
    assertTrue(metrics.contains("chat_hook_failures_total{hook=\"publish\",kind=\"open\"}"),
        "after 3 failures in a row the breaker answers at once");
    assertTrue(metrics.contains("chat_hook_duration_seconds_bucket{hook=\"publish\""));
    assertFalse(alice.isClosed(), "a session outlives its backend's outage");
    backend.up();
    long[] seq = {10};
    Await.until(java.time.Duration.ofSeconds(5), "answers again within 5 s of the backend's return", () -> {
      alice.send(send(seq[0]++, "group/public.b", "back?"));
      boolean acked = alice.next("ack", "error").getString("type").equals("ack");
      if (!acked) {
        pause(100); // polling a remote state, paced below the session's rate limit
      }
      return acked;
    });
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  @Test
  void pastTheBoundOnCallsInFlightARequestIsUnavailableAtOnce() {
    nodes.forEach(TestNode::close);
    nodes.clear();
    nodes.add(TestNode.start("AUTH_MODE", "hook", "CONNECT_HOOK_URL", backend.url("/connect"),
        "PUBLISH_HOOK_URL", backend.url("/publish"), "PUBLISH_HOOK_CHANNELS", "group/*",
        "HOOK_SECRET", HookBackend.SECRET, "HOOK_TIMEOUT", "2s", "HOOK_MAX_IN_FLIGHT", "2", "OPEN_GROUPS", "*"));
    AtomicInteger asked = new AtomicInteger();
    backend.on("/publish", request -> asked.incrementAndGet() <= 2 ? Answer.json(new JsonObject().put("allow", true))
        .after(1_000) : Answer.json(new JsonObject().put("allow", true)));
    WsProbe alice = connect(first(), "alice", "d");
    join(alice, 1, "group/a");
    join(alice, 2, "group/b");
    join(alice, 3, "group/c");
    alice.send(send(1, "group/a", "1"));
    alice.send(send(2, "group/b", "2"));
    alice.send(send(3, "group/c", "3"));
    JsonObject third = alice.next("ack", "error");
    assertEquals(3, third.getLong("seq"), "the third is answered before the two in flight");
    assertError("unavailable", third);
    assertEquals(List.of(1L, 2L), Stream.of(alice.next("ack"), alice.next("ack")).map(a -> a.getLong("seq")).sorted().toList());
  }

  @Test
  void aHookSessionWithExpiresRefreshesWithData() {
    WsProbe ws = first().probe("Cookie", "sid=carol");
    ws.send(new JsonObject().put("type", "connect").put("device", "d")
        .put("data", new JsonObject().put("lifetime", 1_500)));
    ws.next("connected");
    JsonObject expiring = ws.next("expiring");
    assertTrue(expiring.getLong("in") <= 1, expiring.encode());
    ws.send(new JsonObject().put("type", "refresh").put("ref", 9).put("token", "a.b.c"));
    assertError("bad_request", ws.next("refreshed", "error"));
    ws.send(new JsonObject().put("type", "refresh").put("ref", 10).put("data", new JsonObject().put("lifetime", 60_000)));
    JsonObject refreshed = ws.next("refreshed", "error");
    assertEquals("refreshed", refreshed.getString("type"), refreshed.encode());
    assertTrue(refreshed.getLong("expires") > System.currentTimeMillis() + 50_000);
    assertEquals(new JsonObject().put("lifetime", 60_000), backend.received("/connect").get(1).body().getJsonObject("data"));
    assertEquals("sid=carol", backend.received("/connect").get(1).body().getJsonObject("client")
        .getJsonObject("headers").getString("cookie"), "the refresh tells the hook what the upgrade said");

    // a refresh that signs in someone else does not take; without one the session ends with its sign-in
    backend.on("/connect", request -> Answer.json(new JsonObject().put("user", "mallory")
        .put("expires", System.currentTimeMillis() + 60_000)));
    ws.send(new JsonObject().put("type", "refresh").put("ref", 11).put("data", "x"));
    assertError("unauthorized", ws.next("refreshed", "error"));
    WsProbe brief = first().probe("Cookie", "sid=dave");
    backend.on("/connect", request -> Answer.json(new JsonObject().put("user", "dave")
        .put("expires", System.currentTimeMillis() + 800)));
    brief.send(new JsonObject().put("type", "connect").put("device", "d"));
    brief.next("connected");
    assertEquals(4001, brief.closeCode());
    assertEquals("token expired", brief.closeReason());
  }

  @Test
  void theJavaClientPassesDataOnConnectAndRefreshesWithIt() {
    backend.on("/connect", request -> {
      JsonObject data = request.getJsonObject("data");
      return Answer.json(new JsonObject().put("user", data.getString("ticket").substring(7))
          .put("expires", System.currentTimeMillis() + 1_500));
    });
    ChatClient client = new ChatClient(first().clientVertx(), new ClientOptions().host("127.0.0.1")
        .port(first().port()).data(new JsonObject().put("ticket", "ticket-erin")));
    try {
      ServerFrame.Connected connected = Await.result(client.connect());
      assertEquals("erin", connected.user());
      Await.until("expiring made the client refresh with its data", () -> backend.received("/connect").size() >= 2);
      assertEquals(new JsonObject().put("ticket", "ticket-erin"), backend.received("/connect").get(1).body()
          .getJsonObject("data"));
    } finally {
      Await.result(client.shutdown().otherwise((Void) null));
    }
  }

  @Test
  void connectDataPast4KiBIsTooLarge() {
    WsProbe ws = first().probe("Cookie", "sid=alice");
    ws.send(new JsonObject().put("type", "connect").put("device", "d").put("data", "z".repeat(4_100)));
    assertError("too_large", ws.next("error"));
    assertTrue(backend.received("/connect").isEmpty());
  }
}
