package chat.gateway.suite.chat;

import static chat.gateway.suite.chat.ReadMarkersTest.member;
import static chat.gateway.suite.chat.ReadMarkersTest.sent;
import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.MutableClock;
import chat.gateway.testing.OneNode;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Version 1.1, "Chat features", edit and delete: sends with {@code replaces} / {@code deletes} naming the first
 * version's id, own messages only, with every guarantee a send has; a deletion erases the body of every version from
 * the kept history ({@code history} and resume return them with {@code deleted:true}); a direct message's versions
 * apply to both copies, or to the one still kept; {@code DELETE /api/messages/{channel}/{id}}. Embedded here; on
 * Redis and a Redis Cluster in the subclasses.
 */
class EditDeleteTest extends OneNode {

  static JsonObject edit(long seq, String channel, String id, Object body) {
    return send(seq, channel, body).put("replaces", id);
  }

  static JsonObject delete(long seq, String channel, String id) {
    return new JsonObject().put("type", "send").put("seq", seq).put("channel", channel).put("deletes", id);
  }

  static JsonArray history(WsProbe ws, String channel) {
    ws.send(new JsonObject().put("type", "history").put("ref", 99).put("channel", channel));
    return ws.next("history").getJsonArray("messages");
  }

  /** The next message frame about {@code id} (a version of it: the message, an edit or the deletion). */
  static JsonObject versionOf(WsProbe ws, String id) {
    while (true) {
      JsonObject m = ws.next("message");
      if (id.equals(m.getString("replaces")) || id.equals(m.getString("deletes")) || id.equals(m.getString("id"))) {
        return m;
      }
    }
  }

  /** The next deletion of {@code id}. */
  static JsonObject deletionOf(WsProbe ws, String id) {
    while (true) {
      JsonObject m = ws.next("message");
      if (id.equals(m.getString("deletes"))) {
        return m;
      }
    }
  }

  @Test
  void anEditIsASendThatEveryoneSeesAndHistoryKeepsEveryVersion() {
    WsProbe alice = member(node, "alice", "default", "group/dev");
    WsProbe bob = member(node, "bob", "default", "group/dev");
    JsonObject first = sent(alice, 1, "group/dev", "helo");
    versionOf(bob, first.getString("id"));
    alice.send(edit(2, "group/dev", first.getString("id"), "hello"));
    JsonObject ack = alice.next("ack");
    assertEquals(2, ack.getLong("seq"));
    JsonObject seen = versionOf(bob, first.getString("id"));
    assertEquals(first.getString("id"), seen.getString("replaces"));
    assertEquals("hello", seen.getString("body"));
    assertEquals(ack.getString("id"), seen.getString("id"), "a version has its own id");
    JsonArray kept = history(bob, "group/dev");
    assertEquals(List.of("helo", "hello"), kept.stream().map(m -> ((JsonObject) m).getString("body")).toList());
    alice.send(edit(2, "group/dev", first.getString("id"), "hello")); // a resend: acked again, not stored twice
    assertEquals(ack.getString("id"), alice.next("ack").getString("id"));
    assertEquals(2, history(bob, "group/dev").size());
  }

  @Test
  void aDeletionErasesTheBodyOfEveryVersionFromHistory() {
    WsProbe alice = member(node, "alice", "default", "group/dev");
    WsProbe bob = member(node, "bob", "default", "group/dev");
    JsonObject first = sent(alice, 1, "group/dev", "secret");
    alice.send(edit(2, "group/dev", first.getString("id"), "secret, fixed"));
    alice.next("ack");
    JsonObject after = sent(alice, 3, "group/dev", "unrelated");
    alice.send(delete(4, "group/dev", first.getString("id")));
    alice.next("ack");
    versionOf(bob, first.getString("id"));
    versionOf(bob, first.getString("id"));
    JsonObject deletion = versionOf(bob, first.getString("id"));
    assertEquals(first.getString("id"), deletion.getString("deletes"));
    assertFalse(deletion.containsKey("body"), "a deletion has no body");
    JsonArray kept = history(bob, "group/dev");
    assertEquals(4, kept.size(), kept.encode());
    JsonObject original = kept.getJsonObject(0);
    assertEquals(new JsonObject().put("type", "message").put("channel", "group/dev").put("id", first.getString("id"))
        .put("position", first.getString("position")).put("from", "alice").put("to", "group/dev")
        .put("ts", original.getLong("ts")).put("deleted", true), original);
    assertEquals(first.getString("id"), kept.getJsonObject(1).getString("replaces"));
    assertTrue(kept.getJsonObject(1).getBoolean("deleted"));
    assertFalse(kept.getJsonObject(1).containsKey("body"));
    assertEquals("unrelated", kept.getJsonObject(2).getString("body"));
    assertEquals(after.getString("id"), kept.getJsonObject(2).getString("id"));
    assertEquals(first.getString("id"), kept.getJsonObject(3).getString("deletes"));
    assertFalse(kept.encode().contains("secret"), "no version's body is left");
    bob.send(ReadMarkersTest.read(7, "group/dev", first.getString("position")));
    assertEquals(first.getString("id"), bob.next("read", "error").getString("id"),
        "a deleted message's position is still one bob received: a read marker may stand there");
  }

  @Test
  void aResumeAcrossADeletionGetsTheErasedVersionInItsPlace() {
    WsProbe alice = member(node, "alice", "default", "group/dev");
    WsProbe bob = node.connected("bob");
    bob.send(chat.gateway.testing.Frames.join(1, "group/dev"));
    String joinedAt = bob.next("joined").getString("position");
    bob.close();
    JsonObject first = sent(alice, 1, "group/dev", "oops");
    JsonObject second = sent(alice, 2, "group/dev", "fine");
    alice.send(delete(3, "group/dev", first.getString("id")));
    JsonObject deleted = alice.next("ack");
    WsProbe back = node.probe();
    back.send(new JsonObject().put("type", "connect").put("user", "bob")
        .put("resume", new JsonObject().put("group/dev", joinedAt)));
    assertTrue(back.next("connected").getJsonObject("recovered").getBoolean("group/dev"));
    JsonObject m1 = back.next("message");
    assertEquals(first.getString("id"), m1.getString("id"));
    assertTrue(m1.getBoolean("deleted"));
    assertFalse(m1.containsKey("body"));
    assertEquals(second.getString("id"), back.next("message").getString("id"));
    assertEquals(deleted.getString("id"), back.next("message").getString("id"));
  }

  @Test
  void aDirectMessageIsEditedAndDeletedInBothCopies() {
    WsProbe alice = node.connected("alice");
    WsProbe bob = node.connected("bob");
    JsonObject first = sent(alice, 1, "user/bob", "hi bob");
    versionOf(bob, first.getString("id"));
    alice.send(edit(2, "user/bob", first.getString("id"), "hi, bob"));
    alice.next("ack");
    assertEquals("hi, bob", versionOf(bob, first.getString("id")).getString("body"));
    alice.send(delete(3, "user/bob", first.getString("id")));
    alice.next("ack");
    assertEquals(first.getString("id"), versionOf(bob, first.getString("id")).getString("deletes"));
    for (WsProbe side : List.of(alice, bob)) {
      JsonArray kept = history(side, side == alice ? "user/alice" : "user/bob");
      assertEquals(3, kept.size(), kept.encode());
      assertTrue(kept.getJsonObject(0).getBoolean("deleted"), kept.encode());
      assertTrue(kept.stream().noneMatch(m -> ((JsonObject) m).containsKey("body")), "both copies erased: " + kept.encode());
    }
  }

  @Test
  void onlyTheSendersOwnMessagesAndBadVersionsAreRefused() {
    WsProbe alice = member(node, "alice", "default", "group/dev");
    WsProbe bob = member(node, "bob", "default", "group/dev");
    JsonObject mine = sent(alice, 1, "group/dev", "alice's");
    List<Object[]> cases = List.of(
        new Object[] {edit(1, "group/dev", mine.getString("id"), "bob's now"), "forbidden", "another user's"},
        new Object[] {delete(2, "group/dev", mine.getString("id")), "forbidden", "another user's"},
        new Object[] {delete(3, "group/dev", "mxbs0000000000000000000"), "not_found", "no such message"},
        new Object[] {delete(4, "group/dev", "nope"), "not_found", "not an id of ours"},
        new Object[] {edit(5, "group/dev", mine.getString("id"), "x").put("deletes", mine.getString("id")), "bad_request",
            "both"},
        new Object[] {delete(6, "group/dev", mine.getString("id")).put("body", "x"), "bad_request", "a deletion with a body"},
        new Object[] {edit(7, "group/dev", mine.getString("id"), null), "bad_request", "an edit without a body"});
    for (Object[] c : cases) {
      bob.send((JsonObject) c[0]);
      JsonObject error = bob.next("error");
      assertEquals(c[1], error.getString("code"), (String) c[2] + ": " + error.encode());
      assertEquals(((JsonObject) c[0]).getLong("seq"), error.getLong("seq"));
    }
    assertEquals(1, history(alice, "group/dev").size(), "nothing stored");
  }

  @Test
  void theApplicationDeletesAnyMessage() {
    WsProbe alice = member(node, "alice", "default", "group/dev");
    JsonObject first = sent(alice, 1, "group/dev", "spam");
    TestNode.HttpResult deleted = node.api(HttpMethod.DELETE, "/api/messages/group/dev/" + first.getString("id"), null);
    assertEquals(200, deleted.status(), deleted.body());
    assertTrue(deleted.json().getBoolean("deleted"));
    JsonObject deletion = deletionOf(alice, first.getString("id"));
    assertEquals("system", deletion.getString("from"));
    assertTrue(history(alice, "group/dev").getJsonObject(0).getBoolean("deleted"));
    assertEquals(404, node.api(HttpMethod.DELETE, "/api/messages/group/dev/" + first.getString("id"), null).status(),
        "deleted already");
    assertEquals(404, node.api(HttpMethod.DELETE, "/api/messages/group%2Fdev/mxbs0000000000000000000", null).status());
    JsonObject dm = sent(alice, 2, "user/bob", "to bob");
    assertEquals(200, node.api(HttpMethod.DELETE, "/api/messages/user/alice/" + dm.getString("id"), null).status(),
        "by the sender's copy");
    WsProbe bob = node.connected("bob");
    assertTrue(history(bob, "user/bob").getJsonObject(0).getBoolean("deleted"), "the other copy too");
  }

  @Test
  void aDirectMessageWhoseOneCopyWasTrimmedIsDeletedInTheOther() {
    try (TestNode small = TestNode.start("HISTORY_MAX_MESSAGES", "2")) {
      WsProbe alice = small.connected("alice");
      WsProbe carol = small.connected("carol");
      JsonObject first = sent(alice, 1, "user/bob", "early");
      sent(carol, 1, "user/bob", "one");
      sent(carol, 2, "user/bob", "two"); // bob's channel keeps 2: alice's message is trimmed there
      alice.send(delete(2, "user/bob", first.getString("id")));
      JsonObject ack = alice.next("ack", "error");
      assertEquals("ack", ack.getString("type"), ack.encode());
      assertTrue(history(alice, "user/alice").getJsonObject(0).getBoolean("deleted"), "alice's copy");
      alice.send(delete(3, "user/bob", first.getString("id")));
      assertEquals("not_found", alice.next("error").getString("code"), "in neither copy now");
    }
  }

  @Test
  void anAgeTrimAfterADeletionBringsNothingBackFromPastTheWindowEither() {
    MutableClock clock = new MutableClock();
    try (TestNode small = TestNode.start(clock, "HISTORY_MAX_MESSAGES", "2", "HISTORY_MAX_AGE", "1h")) {
      WsProbe alice = member(small, "alice", "default", "group/dev");
      sent(alice, 1, "group/dev", "m1");
      clock.advance(Duration.ofMinutes(50));
      sent(alice, 2, "group/dev", "m2");
      JsonObject third = sent(alice, 3, "group/dev", "m3");
      alice.send(edit(4, "group/dev", third.getString("id"), "m3, edited"));
      alice.next("ack"); // the window: m3 and its edit
      alice.send(delete(5, "group/dev", third.getString("id")));
      alice.next("ack"); // m3's versions go: m2 stays past the window
      clock.advance(Duration.ofMinutes(20)); // m1 is past the age window now, m2 not
      JsonArray kept = history(alice, "group/dev");
      assertTrue(kept.stream().noneMatch(m -> "m2".equals(((JsonObject) m).getString("body"))),
          "m2 was past the window: " + kept.encode());
    }
  }

  @Test
  void aDeletionBringsNothingBackFromPastTheWindow() {
    try (TestNode small = TestNode.start("HISTORY_MAX_MESSAGES", "2")) {
      WsProbe alice = member(small, "alice", "default", "group/dev");
      JsonObject first = sent(alice, 1, "group/dev", "m1");
      JsonObject second = sent(alice, 2, "group/dev", "m2");
      alice.send(edit(3, "group/dev", second.getString("id"), "m2, edited"));
      alice.next("ack"); // the window: m2 and its edit
      alice.send(delete(4, "group/dev", second.getString("id")));
      alice.next("ack"); // both versions go, the deletion comes: the window holds less than before
      JsonArray kept = history(alice, "group/dev");
      assertTrue(kept.stream().noneMatch(m -> "m1".equals(((JsonObject) m).getString("body"))),
          "m1 was past the window: " + kept.encode());
      alice.send(delete(5, "group/dev", first.getString("id")));
      assertEquals("not_found", alice.next("error").getString("code"), "m1 is past the window");
    }
  }
}
