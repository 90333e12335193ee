package chat.gateway.suite.messaging;

import static chat.gateway.testing.Frames.join;
import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.OneNode;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who receives what, and who may send where: the channels table of the protocol. */
class MessagingTest extends OneNode {

  private WsProbe member(String user, String group) {
    WsProbe ws = node.member(user, group);
    assertEquals(user, ws.next("member").getString("user"), "a joiner is told of its own join");
    return ws;
  }

  /** True when {@code frames} holds a message of {@code channel}. */
  private static boolean hasMessageOf(List<JsonObject> frames, String channel) {
    return frames.stream().anyMatch(f -> f.getString("type").equals("message") && channel.equals(f.getString("channel")));
  }

  @Test
  void groupMessageReachesEveryMemberAndNobodyElse() {
    WsProbe alice = member("alice", "group/dev");
    WsProbe bob = member("bob", "group/dev");
    WsProbe carol = node.connected("carol");

    JsonObject body = new JsonObject().put("text", "hello").put("n", 1);
    alice.send(send(1, "group/dev", body));
    JsonObject ack = alice.next("ack");
    assertEquals(1, ack.getLong("seq"));
    assertEquals("group/dev", ack.getString("channel"));

    JsonObject message = bob.next("message");
    assertEquals("group/dev", message.getString("channel"));
    assertEquals(ack.getString("id"), message.getString("id"));
    assertEquals(ack.getString("position"), message.getString("position"));
    assertEquals("alice", message.getString("from"));
    assertEquals("group/dev", message.getString("to"));
    assertEquals(body, message.getJsonObject("body"));
    assertTrue(Math.abs(System.currentTimeMillis() - message.getLong("ts")) < 60_000);
    assertEquals(ack.getString("id"), alice.next("message").getString("id"));

    // Barrier: a DM to carol sent after the group message reaches her after anything sent before it.
    alice.send(send(2, "user/carol", "psst"));
    carol.next("message");
    assertFalse(hasMessageOf(carol.skipped(), "group/dev"), "a non-member received a group message");
  }

  @Test
  void directMessageShowsOnBothSidesWithOneId() {
    WsProbe alicePhone = node.connected("alice", "phone");
    WsProbe aliceLaptop = node.connected("alice", "laptop");
    WsProbe bob = node.connected("bob");

    alicePhone.send(send(1, "user/bob", "hi bob"));
    JsonObject ack = alicePhone.next("ack");
    assertEquals("user/bob", ack.getString("channel"));

    JsonObject received = bob.next("message");
    assertEquals("user/bob", received.getString("channel"));
    assertEquals("user/bob", received.getString("to"));
    assertEquals("alice", received.getString("from"));
    assertEquals(ack.getString("position"), received.getString("position"));

    for (WsProbe side : List.of(alicePhone, aliceLaptop)) {
      JsonObject copy = side.next("message");
      assertEquals(ack.getString("id"), copy.getString("id"));
      assertEquals("user/alice", copy.getString("channel"));
      assertEquals("user/bob", copy.getString("to"));
      assertEquals("hi bob", copy.getString("body"));
    }
  }

  @Test
  void broadcastReachesEveryConnectedSession() {
    WsProbe alice = node.connected("alice");
    WsProbe bob = node.connected("bob");
    WsProbe carol = node.connected("carol");
    alice.send(send(1, "broadcast", "all hands"));
    alice.next("ack");
    for (WsProbe ws : List.of(alice, bob, carol)) {
      JsonObject message = ws.next("message");
      assertEquals("broadcast", message.getString("channel"));
      assertEquals("all hands", message.getString("body"));
    }
  }

  @Test
  void onlyMembersMaySendToAGroupOrReadIt() {
    member("alice", "group/dev");
    WsProbe mallory = node.connected("mallory");

    mallory.send(send(5, "group/dev", "let me in"));
    JsonObject error = mallory.next("error");
    assertEquals("forbidden", error.getString("code"));
    assertEquals(5, error.getLong("seq"));
    assertFalse(error.getBoolean("temporary"));

    mallory.send("{\"type\":\"history\",\"ref\":7,\"channel\":\"group/dev\"}");
    error = mallory.next("error");
    assertEquals("forbidden", error.getString("code"));
    assertEquals(7, error.getLong("ref"));

    mallory.send("{\"type\":\"presence\",\"ref\":8,\"channel\":\"group/dev\"}");
    assertEquals("forbidden", mallory.next("error").getString("code"));
  }

  @Test
  void aUsersChannelIsReadableOnlyByThatUser() {
    WsProbe alice = node.connected("alice");
    WsProbe mallory = node.connected("mallory");
    alice.send(send(1, "user/bob", "private"));
    alice.next("ack");
    mallory.send("{\"type\":\"history\",\"ref\":1,\"channel\":\"user/alice\"}");
    assertEquals("forbidden", mallory.next("error").getString("code"));
    alice.send("{\"type\":\"history\",\"ref\":2,\"channel\":\"user/alice\"}");
    JsonObject history = alice.next("history");
    assertEquals(1, history.getJsonArray("messages").size());
    assertEquals("private", history.getJsonArray("messages").getJsonObject(0).getString("body"));
  }

  @Test
  void joinTakesGroupsOnlyAndLeaveNeedsMembership() {
    WsProbe alice = node.connected("alice");
    alice.send(join(1, "user/bob"));
    assertEquals("bad_request", alice.next("error").getString("code"));
    alice.send(join(2, "broadcast"));
    assertEquals("bad_request", alice.next("error").getString("code"));
    alice.send("{\"type\":\"leave\",\"ref\":3,\"channel\":\"group/nope\"}");
    JsonObject error = alice.next("error");
    assertEquals("not_found", error.getString("code"));
    assertEquals(3, error.getLong("ref"));
    alice.send(join(4, "group/bad name"));
    assertEquals("bad_request", alice.next("error").getString("code"));
  }

  @Test
  void membershipSurvivesReconnectUntilLeave() {
    WsProbe alice = member("alice", "group/dev");
    alice.close();
    WsProbe bob = member("bob", "group/dev");
    WsProbe again = node.connected("alice");
    bob.send(send(1, "group/dev", "still there?"));
    assertEquals("still there?", again.next("message").getString("body"));

    again.send("{\"type\":\"leave\",\"ref\":9,\"channel\":\"group/dev\"}");
    JsonObject left = again.next("left");
    assertEquals(9, left.getLong("ref"));
    assertEquals("group/dev", left.getString("channel"));
    again.send(send(1, "group/dev", "bye"));
    assertEquals("forbidden", again.next("error").getString("code"));
  }

  @Test
  void joiningOnOneDeviceSubscribesTheUsersOtherSessions() {
    WsProbe phone = node.connected("alice", "phone");
    WsProbe laptop = node.connected("alice", "laptop");
    WsProbe bob = member("bob", "group/dev");
    phone.send(join(1, "group/dev"));
    assertEquals(1, phone.next("joined").getLong("ref"));
    JsonObject told = laptop.next("joined");
    assertEquals("group/dev", told.getString("channel"));
    assertFalse(told.containsKey("ref"));

    bob.send(send(1, "group/dev", "welcome"));
    assertEquals("welcome", laptop.next("message").getString("body"));
    assertEquals("welcome", phone.next("message").getString("body"));

    phone.send("{\"type\":\"leave\",\"ref\":2,\"channel\":\"group/dev\"}");
    phone.next("left");
    assertEquals("group/dev", laptop.next("left").getString("channel"));
  }

  @Test
  void memberEventsTellTheGroupWhoJoinedLeftCameOnlineAndWentOffline() {
    WsProbe bob = member("bob", "group/dev");
    WsProbe alice = node.connected("alice");
    alice.send(join(1, "group/dev"));
    assertEquals("joined", alice.next().getString("type"));
    assertEquals(memberEvent("alice", "joined"), alice.next("member"));
    assertEquals(memberEvent("alice", "joined"), bob.next("member"));

    alice.close();
    assertEquals(memberEvent("alice", "offline"), bob.next("member"));
    WsProbe back = node.connected("alice");
    assertEquals(memberEvent("alice", "online"), bob.next("member"));

    back.send("{\"type\":\"leave\",\"ref\":2,\"channel\":\"group/dev\"}");
    back.next("left");
    assertEquals(memberEvent("alice", "left"), bob.next("member"));
  }

  private static JsonObject memberEvent(String user, String event) {
    return new JsonObject().put("type", "member").put("channel", "group/dev").put("user", user).put("event", event);
  }

  @Test
  void presenceListsOnlineMembersAndCountsAll() {
    WsProbe alice = member("alice", "group/dev");
    member("bob", "group/dev").close();
    WsProbe carol = member("carol", "group/dev");
    alice.send("{\"type\":\"presence\",\"ref\":4,\"channel\":\"group/dev\"}");
    JsonObject presence = alice.next("presence");
    assertEquals(4, presence.getLong("ref"));
    assertEquals(new JsonArray().add("alice").add("carol"), presence.getJsonArray("online"));
    assertEquals(3, presence.getLong("members"));

    carol.send("{\"type\":\"presence\",\"ref\":5,\"channel\":\"user/bob\"}");
    assertEquals(new JsonArray(), carol.next("presence").getJsonArray("online"));
    carol.send("{\"type\":\"presence\",\"ref\":6,\"channel\":\"user/alice\"}");
    assertEquals(new JsonArray().add("alice"), carol.next("presence").getJsonArray("online"));
  }

  @Test
  void historyPagesBackwardsFromTheNewest() {
    WsProbe alice = member("alice", "group/dev");
    String[] positions = new String[8];
    for (int i = 1; i <= 7; i++) {
      alice.send(send(i, "group/dev", "m" + i));
      positions[i] = alice.next("ack").getString("position");
    }
    JsonObject newest = history(alice, "{\"type\":\"history\",\"ref\":1,\"channel\":\"group/dev\",\"limit\":3}");
    assertEquals(List.of("m5", "m6", "m7"), bodies(newest));
    assertTrue(newest.getBoolean("more"));

    JsonObject older = history(alice, new JsonObject().put("type", "history").put("ref", 2).put("channel", "group/dev")
        .put("limit", 3).put("before", positions[5]).encode());
    assertEquals(List.of("m2", "m3", "m4"), bodies(older));
    assertTrue(older.getBoolean("more"));

    JsonObject oldest = history(alice, new JsonObject().put("type", "history").put("ref", 3).put("channel", "group/dev")
        .put("before", positions[2]).encode());
    assertEquals(List.of("m1"), bodies(oldest));
    assertFalse(oldest.getBoolean("more"));

    JsonObject capped = history(alice, "{\"type\":\"history\",\"ref\":4,\"channel\":\"group/dev\",\"limit\":100000}");
    assertEquals(7, capped.getJsonArray("messages").size());

    alice.send("{\"type\":\"history\",\"ref\":5,\"channel\":\"group/dev\",\"limit\":0}");
    assertEquals("bad_request", alice.next("error").getString("code"));
    alice.send("{\"type\":\"history\",\"ref\":6,\"channel\":\"group/dev\",\"before\":\"not-a-position\"}");
    assertEquals("bad_request", alice.next("error").getString("code"));
  }

  @Test
  void historyBeforeAPositionOfLostHistoryIsNotFound() {
    WsProbe alice = member("alice", "group/dev");
    String foreign;
    try (TestNode other = TestNode.start()) {
      WsProbe elsewhere = other.connected("alice");
      elsewhere.send(join(1, "group/dev"));
      foreign = elsewhere.next("joined").getString("position");
    }
    alice.send(new JsonObject().put("type", "history").put("ref", 1).put("channel", "group/dev").put("before", foreign));
    JsonObject error = alice.next("error");
    assertEquals("not_found", error.getString("code"));
    assertEquals(1, error.getLong("ref"));
  }

  @Test
  void aBodyThatWouldMakeTooLargeAMessageIsRefused() {
    try (TestNode small = TestNode.start("MAX_MESSAGE_BYTES", "4096")) {
      WsProbe alice = small.connected("alice");
      alice.send(send(1, "user/bob", "x".repeat(3900)));
      JsonObject error = alice.next("error");
      assertEquals("too_large", error.getString("code"));
      assertEquals(1, error.getLong("seq"));
      alice.send(send(2, "user/bob", "x".repeat(3000)));
      assertNotNull(alice.next("ack").getString("id"));
    }
  }

  private static JsonObject history(WsProbe ws, String request) {
    ws.send(request);
    return ws.next("history");
  }

  private static List<String> bodies(JsonObject history) {
    return history.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getString("body")).toList();
  }
}
