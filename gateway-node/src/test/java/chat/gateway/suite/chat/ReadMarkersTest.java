package chat.gateway.suite.chat;

import static chat.gateway.testing.Frames.join;
import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.OneNode;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Version 1.1, "Chat features", read markers and unread counts: a read stores the user's position per group and per
 * direct conversation, only forward, answered with the stored position and its message's id; told to the user's other
 * sessions and as receipts to the other party or the members of a small group; {@code connected.unread} counts
 * others' messages after each marker (capped), {@code history} carries {@code read}; bad input answered. Embedded
 * here; on Redis (across nodes) and on a Redis Cluster in the subclasses.
 */
class ReadMarkersTest extends OneNode {

  static JsonObject read(long ref, String channel, String position) {
    return new JsonObject().put("type", "read").put("ref", ref).put("channel", channel).put("position", position);
  }

  static WsProbe member(TestNode on, String user, String device, String group) {
    WsProbe ws = on.connected(user, device);
    ws.send(join(1, group));
    ws.next("joined");
    return ws;
  }

  /** Sends and returns the ack ({@code id}, {@code position}). */
  static JsonObject sent(WsProbe from, long seq, String channel, String body) {
    from.send(send(seq, channel, body));
    return from.next("ack");
  }

  /** Whether a frame of {@code type} arrived before the answer to a ping (what was sent before it was handled). */
  static boolean arrivedBeforePong(WsProbe ws, String type) {
    ws.send(new JsonObject().put("type", "ping"));
    return ws.drainUntilPong().stream().anyMatch(f -> f.getString("type").equals(type))
        || ws.skipped().removeIf(f -> f.getString("type").equals(type));
  }

  static JsonObject unread(TestNode on, String user) {
    WsProbe ws = on.probe();
    ws.send(new JsonObject().put("type", "connect").put("user", user).put("device", "counter"));
    JsonObject connected = ws.next("connected");
    ws.close();
    return connected.getJsonObject("unread");
  }

  @Test
  void aReadInAGroupIsAnsweredAndToldToTheReadersOtherSessionsAndTheMembers() {
    WsProbe alice = member(node, "alice", "laptop", "group/dev");
    WsProbe alicePhone = member(node, "alice", "phone", "group/dev");
    WsProbe bob = member(node, "bob", "default", "group/dev");
    sent(bob, 1, "group/dev", "one");
    JsonObject two = sent(bob, 2, "group/dev", "two");
    alice.send(read(7, "group/dev", two.getString("position")));
    assertEquals(new JsonObject().put("type", "read").put("ref", 7).put("channel", "group/dev")
        .put("position", two.getString("position")).put("id", two.getString("id")), alice.next("read"));
    JsonObject told = new JsonObject().put("type", "read").put("channel", "group/dev").put("user", "alice")
        .put("position", two.getString("position")).put("id", two.getString("id"));
    assertEquals(told, alicePhone.next("read"));
    assertEquals(told, bob.next("read"));
    assertFalse(arrivedBeforePong(alice, "read"), "the reading session gets its answer only");
  }

  @Test
  void aMarkerOnlyMovesForwardAndHistoryCarriesIt() {
    WsProbe alice = member(node, "alice", "default", "group/dev");
    WsProbe bob = member(node, "bob", "default", "group/dev");
    JsonObject one = sent(bob, 1, "group/dev", "one");
    JsonObject two = sent(bob, 2, "group/dev", "two");
    alice.send(read(1, "group/dev", two.getString("position")));
    alice.next("read");
    bob.next("read");
    alice.send(read(2, "group/dev", one.getString("position")));
    JsonObject kept = alice.next("read");
    assertEquals(two.getString("position"), kept.getString("position"), "an earlier position is ignored");
    assertEquals(two.getString("id"), kept.getString("id"));
    assertFalse(arrivedBeforePong(bob, "read"), "nothing moved, nobody told");
    alice.send(new JsonObject().put("type", "history").put("ref", 3).put("channel", "group/dev"));
    assertEquals(two.getString("position"), alice.next("history").getString("read"));
    bob.send(new JsonObject().put("type", "history").put("ref", 3).put("channel", "group/dev"));
    assertNull(bob.next("history").getString("read"), "bob has no marker");
  }

  @Test
  void connectCountsOthersMessagesAfterEachMarker() {
    WsProbe alice = member(node, "alice", "default", "group/dev");
    WsProbe bob = member(node, "bob", "default", "group/dev");
    JsonObject one = sent(bob, 1, "group/dev", "one");
    sent(bob, 2, "group/dev", "two");
    alice.send(read(1, "group/dev", one.getString("position")));
    alice.next("read");
    assertEquals(new JsonObject().put("group/dev", 1), unread(node, "alice"));
    sent(bob, 3, "group/dev", "three");
    sent(alice, 1, "group/dev", "mine: not counted");
    node.api(HttpMethod.POST, "/api/publish", new JsonObject().put("channel", "group/dev").put("from", "system")
        .put("body", "from the application"));
    assertEquals(new JsonObject().put("group/dev", 3), unread(node, "alice"));
    assertEquals(new JsonObject(), unread(node, "bob"), "no marker, no count");
  }

  @Test
  void aDirectConversationIsNamedAfterTheOtherPartyAndTheReceiptMatchesBySharedId() {
    WsProbe alice = node.connected("alice", "laptop");
    WsProbe alicePhone = node.connected("alice", "phone");
    WsProbe bob = node.connected("bob");
    JsonObject first = sent(bob, 1, "user/alice", "hi");
    JsonObject copy = messageFrom(alice, "bob");
    assertEquals(first.getString("id"), copy.getString("id"));
    sent(bob, 2, "user/alice", "there");
    JsonObject latest = messageFrom(alice, "bob");
    alice.send(read(4, "user/bob", copy.getString("position"))); // a position in alice's own copy
    JsonObject answer = alice.next("read");
    assertEquals(copy.getString("position"), answer.getString("position"));
    assertEquals(first.getString("id"), answer.getString("id"));
    JsonObject receipt = bob.next("read");
    assertEquals("user/alice", receipt.getString("channel"), "the other party sees the conversation under the reader");
    assertEquals("alice", receipt.getString("user"));
    assertEquals(first.getString("id"), receipt.getString("id"), "bob matches it to his message by id");
    JsonObject mine = alicePhone.next("read");
    assertEquals("user/bob", mine.getString("channel"));
    assertEquals(new JsonObject().put("user/bob", 1), unread(node, "alice"));
    sent(alice, 1, "user/bob", "my answer: not counted");
    sent(bob, 3, "user/alice", "again");
    assertEquals(new JsonObject().put("user/bob", 2), unread(node, "alice"));
    alice.send(read(5, "user/bob", latest.getString("position")));
    alice.next("read");
    assertEquals(new JsonObject().put("user/bob", 1), unread(node, "alice"));
  }

  @Test
  void inALargeGroupOnlyTheReadersOwnSessionsAreTold() {
    try (TestNode small = TestNode.start("RECEIPT_GROUP_MEMBERS", "1")) {
      WsProbe alice = member(small, "alice", "laptop", "group/big");
      WsProbe alicePhone = small.connected("alice", "phone");
      WsProbe bob = member(small, "bob", "default", "group/big");
      JsonObject one = sent(bob, 1, "group/big", "one");
      alice.send(read(1, "group/big", one.getString("position")));
      alice.next("read");
      assertEquals("alice", alicePhone.next("read").getString("user"));
      assertFalse(arrivedBeforePong(bob, "read"), "two members: past RECEIPT_GROUP_MEMBERS=1");
    }
  }

  @Test
  void aLeaveTakesTheMarkerWithTheMembership() {
    WsProbe alice = member(node, "alice", "default", "group/dev");
    JsonObject one = sent(alice, 1, "group/dev", "one");
    alice.send(read(1, "group/dev", one.getString("position")));
    alice.next("read");
    assertEquals(new JsonObject().put("group/dev", 0), unread(node, "alice"));
    alice.send(new JsonObject().put("type", "leave").put("ref", 2).put("channel", "group/dev"));
    alice.next("left");
    alice.send(join(3, "group/dev"));
    alice.next("joined");
    assertEquals(new JsonObject(), unread(node, "alice"));
  }

  @Test
  void countsStopAtOneThousand() {
    WsProbe alice = member(node, "alice", "default", "group/feed");
    JsonObject mine = sent(alice, 1, "group/feed", "start");
    alice.send(read(1, "group/feed", mine.getString("position")));
    alice.next("read");
    for (int i = 0; i < 1001; i++) {
      assertEquals(200, node.api(HttpMethod.POST, "/api/publish", new JsonObject().put("channel", "group/feed")
          .put("from", "feeder").put("body", i)).status());
    }
    assertEquals(new JsonObject().put("group/feed", 1000), unread(node, "alice"));
  }

  @Test
  void aPositionPastTheHistoryWindowIsNotOneToMark() {
    try (TestNode small = TestNode.start("HISTORY_MAX_MESSAGES", "2")) {
      WsProbe alice = member(small, "alice", "default", "group/dev");
      JsonObject first = sent(alice, 1, "group/dev", "m1");
      sent(alice, 2, "group/dev", "m2");
      JsonObject third = sent(alice, 3, "group/dev", "m3"); // the window keeps m2 and m3
      alice.send(read(1, "group/dev", first.getString("position")));
      assertEquals("not_found", alice.next("error").getString("code"), "m1 is past the window");
      alice.send(read(2, "group/dev", third.getString("position")));
      assertEquals(third.getString("id"), alice.next("read").getString("id"));
    }
  }

  @Test
  void badReadsAreAnswered() {
    WsProbe alice = member(node, "alice", "default", "group/dev");
    WsProbe carol = member(node, "carol", "default", "group/ops");
    JsonObject ops = sent(carol, 1, "group/ops", "ops");
    JsonObject dev = sent(alice, 1, "group/dev", "dev");
    JsonObject fromCarol = sent(carol, 2, "user/alice", "psst");
    String carolsCopy = messageFrom(alice, "carol").getString("position");
    List<Object[]> cases = List.of(
        new Object[] {read(1, "group/ops", ops.getString("position")), "forbidden", "not a member"},
        new Object[] {read(2, "broadcast", dev.getString("position")), "forbidden", "broadcast"},
        new Object[] {read(3, "user/alice", carolsCopy), "forbidden", "oneself"},
        new Object[] {read(4, "group/dev", "no position"), "bad_request", "malformed"},
        new Object[] {new JsonObject().put("type", "read").put("ref", 5).put("channel", "group/dev"), "bad_request",
            "no position"},
        new Object[] {read(6, "group/dev", ops.getString("position")), "not_found", "another channel's"},
        new Object[] {read(7, "group/dev", future(dev.getString("position"))), "not_found", "newer than the newest"},
        new Object[] {read(8, "user/bob", carolsCopy), "not_found", "another conversation's"});
    for (Object[] c : cases) {
      alice.send((JsonObject) c[0]);
      JsonObject error = alice.next("error");
      assertEquals(c[1], error.getString("code"), (String) c[2]);
      assertEquals(((JsonObject) c[0]).getLong("ref"), error.getLong("ref"));
    }
    alice.send(read(9, "user/carol", carolsCopy));
    assertEquals(fromCarol.getString("id"), alice.next("read").getString("id"), "still good after the refusals");
    assertTrue(unread(node, "alice").containsKey("user/carol"));
  }

  /** The next direct message from {@code from} (others passed over). */
  static JsonObject messageFrom(WsProbe ws, String from) {
    while (true) {
      JsonObject message = ws.next("message");
      if (message.getString("from").equals(from) && message.getString("to").startsWith("user/")) {
        return message;
      }
    }
  }

  /** A forged position after {@code position} in the same history: a message that does not exist (yet). */
  static String future(String position) {
    int dot = position.lastIndexOf('.');
    int dash = position.lastIndexOf('-');
    long major = Long.parseLong(position.substring(dot + 1, dash));
    return position.substring(0, dot + 1) + (major + 1_000_000) + position.substring(dash);
  }
}
