package chat.gateway.suite.api;

import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.HookBackend;
import chat.gateway.testing.HookBackend.Answer;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Version 1.1, "Webhooks", on an embedded node: what happens (messages, memberships, sessions, presence) is
 * posted to {@code WEBHOOK_URL} in signed batches, in order, again with the same ids until a 2xx takes them, and
 * within the bounds of age and backlog. On one Redis in {@link WebhookOnRedisTest}, where the scripts record the
 * events with what they report.
 */
class WebhookTest {
  protected HookBackend receiver;
  private TestNode node;
  /** The key prefix of the node of this test (a new one unless set before it starts). */
  protected String prefix;

  /** The store the node runs on: none here (embedded). */
  protected void useStore(boolean on) {
  }

  @BeforeEach
  void start() {
    useStore(true);
    receiver = new HookBackend();
    receiver.on("/events", request -> Answer.json(new JsonObject()));
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    receiver.close();
    useStore(false);
  }

  protected void startNode(String... more) {
    if (prefix == null) {
      prefix = TestNode.newPrefix();
    }
    List<String> settings = new ArrayList<>(List.of("WEBHOOK_URL", receiver.url("/events"),
        "WEBHOOK_SECRET", HookBackend.SECRET, "HOOK_TIMEOUT", "500ms", "REDIS_KEY_PREFIX", prefix));
    settings.addAll(List.of(more));
    node = TestNode.start(settings.toArray(String[]::new));
  }

  /** Every event posted so far, in the order posted (repeats included). */
  private List<JsonObject> posted() {
    List<JsonObject> events = new ArrayList<>();
    for (HookBackend.Received batch : receiver.received("/events")) {
      assertTrue(batch.signed(), "every batch is signed like a hook request");
      batch.body().getJsonArray("events").forEach(e -> events.add((JsonObject) e));
    }
    return events;
  }

  /** The events delivered (posts answered 2xx), each once, in order. */
  protected List<JsonObject> delivered(String type) {
    List<JsonObject> events = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (JsonObject e : posted()) {
      if (e.getString("type").equals(type) && !seen.contains(e.getString("id"))) {
        seen.add(e.getString("id"));
        events.add(e);
      }
    }
    return events;
  }

  private void waitFor(String type, int count) {
    Await.until(count + " " + type + " events", () -> delivered(type).size() >= count);
  }

  @Test
  void messagesAreEventsAndADirectMessageToSomeoneAwaySaysOffline() {
    startNode();
    WsProbe alice = node.connected("alice");
    alice.send(new JsonObject().put("type", "join").put("ref", 1).put("channel", "group/dev"));
    alice.next("joined");
    alice.send(send(1, "group/dev", new JsonObject().put("text", "hello")));
    JsonObject ack = alice.next("ack");
    alice.send(send(2, "user/bob", "are you there?"));
    alice.next("ack");
    WsProbe bob = node.connected("bob");
    alice.send(send(3, "user/bob", "now you are"));
    alice.next("ack");
    waitFor("message", 3);
    List<JsonObject> messages = delivered("message");
    JsonObject group = messages.get(0);
    assertEquals("group/dev", group.getString("channel"));
    assertEquals(ack.getString("id"), group.getJsonObject("message").getString("id"));
    assertEquals(ack.getString("position"), group.getJsonObject("message").getString("position"));
    assertEquals(new JsonObject().put("text", "hello"), group.getJsonObject("message").getValue("body"));
    assertEquals("alice", group.getJsonObject("message").getString("from"));
    assertNull(group.getValue("offline"));
    assertEquals("user/bob", messages.get(1).getString("channel"), "a direct message is one event, the recipient's");
    assertEquals(true, messages.get(1).getValue("offline"), "bob had no session: a push notification is due");
    assertNull(messages.get(2).getValue("offline"), "bob was online");
    assertEquals(3, messages.size(), "the sender's own copy is no event of its own");
    assertTrue(group.getLong("ts") > 0 && group.getString("id") != null);
    bob.close();
  }

  @Test
  void editsAndDeletionsAreMessageEventsCarryingWhatTheyChange() {
    startNode();
    WsProbe alice = node.connected("alice");
    alice.send(new JsonObject().put("type", "join").put("ref", 1).put("channel", "group/dev"));
    alice.next("joined");
    alice.send(send(1, "group/dev", "helo"));
    String id = alice.next("ack").getString("id");
    alice.send(send(2, "group/dev", "hello").put("replaces", id));
    alice.next("ack");
    alice.send(new JsonObject().put("type", "send").put("seq", 3).put("channel", "group/dev").put("deletes", id));
    alice.next("ack");
    waitFor("message", 3);
    List<JsonObject> messages = delivered("message");
    JsonObject edit = messages.get(1).getJsonObject("message");
    assertEquals(id, edit.getString("replaces"));
    assertEquals("hello", edit.getString("body"));
    JsonObject deletion = messages.get(2).getJsonObject("message");
    assertEquals(id, deletion.getString("deletes"));
    assertTrue(!deletion.containsKey("body"), deletion.encode());
  }

  @Test
  void membershipsSessionsAndPresenceInTheOrderTheyHappened() {
    startNode();
    WsProbe first = node.connected("carol", "phone");
    WsProbe second = node.connected("carol", "laptop");
    first.send(new JsonObject().put("type", "join").put("ref", 1).put("channel", "group/ops"));
    first.next("joined");
    first.send(new JsonObject().put("type", "leave").put("ref", 2).put("channel", "group/ops"));
    first.next("left");
    assertEquals(200, node.api(HttpMethod.PUT, "/api/groups/board/members/carol", null).status());
    first.close();
    second.close();
    waitFor("presence", 2);
    waitFor("member", 3);
    List<String> story = new ArrayList<>();
    for (JsonObject e : posted()) {
      story.add(switch (e.getString("type")) {
        case "member" -> e.getString("event") + " " + e.getString("channel");
        case "presence" -> e.getString("event");
        case "session" -> e.getString("event") + (e.containsKey("code") ? " " + e.getInteger("code") : "");
        default -> e.getString("type");
      });
    }
    assertEquals(List.of("opened", "online", "opened", "joined group/ops", "left group/ops", "joined group/board",
        "closed 1000", "closed 1000", "offline"), story);
    JsonObject opened = delivered("session").get(0);
    assertEquals("carol", opened.getString("user"));
    assertTrue(opened.getString("session").startsWith(opened.getString("node")), opened.encode());
  }

  @Test
  void aBatchNotTakenIsPostedAgainWithTheSameIdsAndOrder() {
    AtomicInteger posts = new AtomicInteger();
    // refused, redirected, too slow, then taken
    receiver.on("/events", request -> switch (posts.incrementAndGet()) {
      case 1 -> Answer.status(503);
      case 2 -> new Answer(302, "{}", 0);
      case 3 -> Answer.json(new JsonObject()).after(1_500);
      default -> Answer.json(new JsonObject());
    });
    startNode("WEBHOOK_EVENTS", "message");
    WsProbe alice = node.connected("alice");
    for (int seq = 1; seq <= 3; seq++) {
      alice.send(send(seq, "user/alice", "m" + seq));
      alice.next("ack");
    }
    Await.until("a post taken", () -> posts.get() >= 4);
    waitFor("message", 3);
    List<JsonObject> all = posted();
    List<String> firstTry = new ArrayList<>();
    for (JsonObject e : receiver.received("/events").get(0).body().getJsonArray("events").stream()
        .map(JsonObject.class::cast).toList()) {
      firstTry.add(e.getString("id"));
    }
    List<String> taken = delivered("message").stream().map(e -> e.getString("id")).toList();
    assertEquals(taken.subList(0, firstTry.size()), firstTry, "the same events, the same ids, in the same order");
    assertEquals(List.of("m1", "m2", "m3"), delivered("message").stream()
        .map(e -> e.getJsonObject("message").getString("body")).toList());
    assertTrue(all.stream().allMatch(e -> e.getString("type").equals("message")), "WEBHOOK_EVENTS=message only");
    String metrics = node.management(HttpMethod.GET, "/metrics").body();
    assertTrue(metrics.contains("chat_webhook_events_total{result=\"retried\"}"), metrics);
  }

  @Test
  void pastTheBacklogTheOldestAreDroppedAndCounted() {
    receiver.down();
    startNode("WEBHOOK_EVENTS", "message", "WEBHOOK_MAX_BACKLOG", "3");
    WsProbe alice = node.connected("alice");
    for (int seq = 1; seq <= 5; seq++) {
      alice.send(send(seq, "user/alice", "m" + seq));
      alice.next("ack");
    }
    receiver.up();
    Await.until("m5 delivered", () -> delivered("message").stream()
        .anyMatch(e -> e.getJsonObject("message").getString("body").equals("m5")));
    List<String> bodies = delivered("message").stream().map(e -> e.getJsonObject("message").getString("body")).toList();
    // a batch taken just before m5 pushed m2 out may still carry m2; m1 went before any batch could have it
    assertEquals(List.of("m3", "m4", "m5"), bodies.subList(bodies.size() - 3, bodies.size()), bodies.toString());
    assertFalse(bodies.contains("m1"), bodies.toString());
    String[] last = {""};
    try {
      Await.until("2 counted as dropped (on Redis the count is read once a second)", () -> (last[0] = node
          .management(HttpMethod.GET, "/metrics").body()).contains("chat_webhook_backlog_dropped_total 2.0"));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + last[0].lines().filter(l -> l.startsWith("chat_webhook")).toList());
    }
  }

  @Test
  void eventsOlderThanTheMaxAgeAreDroppedNotPosted() {
    receiver.on("/events", request -> Answer.status(500));
    startNode("WEBHOOK_EVENTS", "message", "WEBHOOK_MAX_AGE", "1s");
    WsProbe alice = node.connected("alice");
    alice.send(send(1, "user/alice", "stale"));
    alice.next("ack");
    Await.until("dropped as too old", () -> node.management(HttpMethod.GET, "/metrics").body()
        .contains("chat_webhook_events_total{result=\"dropped\"} 1.0"));
    receiver.on("/events", request -> Answer.json(new JsonObject()));
    receiver.forget();
    alice.send(send(2, "user/alice", "fresh"));
    alice.next("ack");
    waitFor("message", 1);
    assertEquals(List.of("fresh"), delivered("message").stream()
        .map(e -> e.getJsonObject("message").getString("body")).toList());
    assertFalse(posted().stream().anyMatch(e -> "stale".equals(e.getJsonObject("message").getString("body"))));
  }
}
