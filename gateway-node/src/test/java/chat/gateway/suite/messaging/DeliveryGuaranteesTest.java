package chat.gateway.suite.messaging;

import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.MutableClock;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.ServerFrame;
import chat.protocol.client.ChatClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The "Delivery guarantees" section of the protocol, one test (at least) per guarantee. */
class DeliveryGuaranteesTest {


  private static JsonObject connectResuming(String user, String channel, String position) {
    return new JsonObject().put("type", "connect").put("user", user)
        .put("resume", new JsonObject().put(channel, position));
  }

  /** Messages of {@code channel} among {@code frames}. */
  private static List<JsonObject> messagesOf(List<JsonObject> frames, String channel) {
    return frames.stream().filter(f -> "message".equals(f.getString("type")) && channel.equals(f.getString("channel")))
        .toList();
  }

  @Test
  void anAckMeansTheMessageIsInHistory() {
    try (TestNode node = TestNode.start()) {
      WsProbe alice = node.member("alice", "group/dev");
      alice.send(send(1, "group/dev", "kept"));
      JsonObject ack = alice.next("ack");
      WsProbe bob = node.member("bob", "group/dev");
      bob.send("{\"type\":\"history\",\"ref\":1,\"channel\":\"group/dev\"}");
      JsonObject stored = bob.next("history").getJsonArray("messages").getJsonObject(0);
      assertEquals(ack.getString("id"), stored.getString("id"));
      assertEquals(ack.getString("position"), stored.getString("position"));
    }
  }

  @Test
  void aResendAfterReconnectGetsTheSameAckAndIsNotDeliveredTwice() {
    try (TestNode node = TestNode.start()) {
      WsProbe bob = node.member("bob", "group/dev");
      WsProbe first = node.member("alice", "group/dev");
      // alice's device "phone" sends seq 7, then its connection drops before it can count on the ack
      first.send(new JsonObject().put("type", "send").put("seq", 7).put("channel", "group/dev").put("body", "once"));
      JsonObject ack = first.next("ack");
      first.close();

      WsProbe again = node.connected("alice");
      again.send(send(7, "group/dev", "once"));
      JsonObject second = again.next("ack");
      assertEquals(ack.getString("id"), second.getString("id"));
      assertEquals(ack.getString("position"), second.getString("position"));
      again.send(send(8, "group/dev", "after"));
      again.next("ack");

      List<JsonObject> seen = new ArrayList<>();
      while (seen.isEmpty() || !seen.get(seen.size() - 1).getString("body").equals("after")) {
        seen.add(bob.next("message"));
      }
      assertEquals(List.of("once", "after"), seen.stream().map(m -> m.getString("body")).toList());
    }
  }

  @Test
  void theJavaClientResendsUnackedSendsAfterReconnect() {
    try (TestNode node = TestNode.start()) {
      WsProbe bob = node.connected("bob");
      ChatClient alice = node.client("alice", "laptop");
      Await.result(alice.connect());
      Await.result(alice.close());
      Future<ServerFrame.Ack> pending = alice.send("user/bob", "written while offline");
      assertEquals(1, alice.unackedCount());
      Await.result(alice.reconnect());
      ServerFrame.Ack ack = Await.result(pending);
      assertEquals("user/bob", ack.channel());
      assertEquals(0, alice.unackedCount());
      assertEquals(ack.id(), bob.next("message").getString("id"));

      // The same device in a new process, repeating seq 1: same ack, nothing delivered again.
      ChatClient restarted = node.client("alice", "laptop");
      Await.result(restarted.connect());
      ServerFrame.Ack repeat = Await.result(restarted.send("user/bob", "written while offline"));
      assertEquals(ack.id(), repeat.id());
      assertEquals(ack.position(), repeat.position());
      Await.result(restarted.send("user/bob", "new"));
      assertEquals("new", bob.next("message").getString("body"));
    }
  }

  @Test
  void theJavaClientResumesOnlyChannelsItReceivesAfterSendingADirectMessage() {
    try (TestNode node = TestNode.start()) {
      node.connected("bob");
      ChatClient alice = node.client("alice", "laptop");
      Await.result(alice.connect());
      List<ServerFrame.Message> copies = new CopyOnWriteArrayList<>();
      alice.onMessage(copies::add);
      ServerFrame.Ack ack = Await.result(alice.send("user/bob", "hi"));
      Await.until("alice's own copy", () -> copies.size() == 1);
      // The ack's position is in bob's channel; alice's copy is in hers, and only that one can be resumed.
      assertEquals("user/bob", ack.channel());
      assertEquals(Map.of("user/alice", copies.get(0).position()), alice.positions());
      ServerFrame.Connected again = Await.result(alice.reconnect());
      assertEquals(Map.of("user/alice", true), again.recovered());
    }
  }

  @Test
  void resumeGivesExactlyTheMissedMessagesInOrderBeforeNewerOnes() {
    try (TestNode node = TestNode.start()) {
      WsProbe alice = node.member("alice", "group/dev");
      String position = bobMissesMessages(node, alice, 6);
      WsProbe back = node.probe();
      back.send(connectResuming("bob", "group/dev", position));
      JsonObject connected = back.next();
      assertEquals("connected", connected.getString("type"));
      assertEquals(new JsonObject().put("group/dev", true), connected.getJsonObject("recovered"));
      alice.send(send(7, "group/dev", "m7"));
      List<String> bodies = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        JsonObject message = back.next("message");
        assertEquals("group/dev", message.getString("channel"));
        bodies.add(message.getString("body"));
      }
      assertEquals(List.of("m2", "m3", "m4", "m5", "m6", "m7"), bodies);
      assertTrue(messagesOf(back.drainUntilPong(), "group/dev").isEmpty(), "nothing repeated after the replay");
    }
  }

  @Test
  void aResumeOverMoreHistoryThanTheOutboundQueueHoldsIsWrittenAsTheClientReads() {
    // a 32 KiB outbound queue (16 KiB replay pages) and 480 KiB of missed history
    try (TestNode node = TestNode.start("OUTBOUND_QUEUE_BYTES", "32768", "RATE_LIMIT_BURST", "1000")) {
      WsProbe alice = node.member("alice", "group/dev");
      WsProbe bob = node.member("bob", "group/dev");
      alice.send(send(1, "group/dev", "before")).next("ack");
      String position = bob.next("message").getString("position");
      bob.close();
      List<String> ids = new ArrayList<>();
      for (int i = 2; i <= 61; i++) {
        alice.send(send(i, "group/dev", i + "x".repeat(8 * 1024)));
        ids.add(alice.next("ack").getString("id"));
      }
      WsProbe back = node.probe();
      back.send(connectResuming("bob", "group/dev", position));
      assertEquals(new JsonObject().put("group/dev", true), back.next("connected").getJsonObject("recovered"));
      alice.send(send(62, "group/dev", "live"));
      ids.add(alice.next("ack").getString("id"));
      List<String> got = new ArrayList<>();
      while (got.size() < ids.size()) {
        got.add(back.next("message").getString("id"));
      }
      assertEquals(ids, got, "every missed message once, in order, then the live one");
      assertFalse(back.isClosed(), "not closed as too slow");
    }
  }

  @Test
  void resumeWhileMessagesKeepComingLosesAndRepeatsNothing() {
    try (TestNode node = TestNode.start("RATE_LIMIT_PER_SECOND", "100000", "RATE_LIMIT_BURST", "100000")) {
      WsProbe bob = node.member("bob", "group/dev");
      ChatClient alice = node.client("alice", "phone");
      Await.result(alice.connect());
      Await.result(alice.join("group/dev"));
      int total = 400;
      List<String> acked = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> halfway = new CompletableFuture<>();
      Promise<Void> done = Promise.promise();
      sendInSequence(alice, 1, total, acked, halfway, done);

      List<JsonObject> beforeDrop = new ArrayList<>();
      while (beforeDrop.size() < 20) {
        beforeDrop.add(bob.next("message"));
      }
      bob.close();
      String position = beforeDrop.get(19).getString("position");
      halfway.join();

      WsProbe back = node.probe();
      back.send(connectResuming("bob", "group/dev", position));
      assertEquals(true, back.next("connected").getJsonObject("recovered").getBoolean("group/dev"));
      Await.result(done.future());
      List<String> ids = new ArrayList<>();
      beforeDrop.forEach(m -> ids.add(m.getString("id")));
      while (ids.size() < total) {
        ids.add(back.next("message").getString("id"));
      }
      assertEquals(acked, ids, "every acked message exactly once, in order");
      assertTrue(messagesOf(back.drainUntilPong(), "group/dev").isEmpty());
    }
  }

  /** Sends bodies {@code from..to} one after another, each after the previous ack (a steady stream). */
  private static void sendInSequence(ChatClient client, int from, int to, List<String> acked,
                                     CompletableFuture<Void> halfway, Promise<Void> done) {
    if (from > to) {
      done.complete();
      return;
    }
    client.send("group/dev", "m" + from).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      acked.add(ar.result().id());
      if (from == to / 2) {
        halfway.complete(null);
      }
      sendInSequence(client, from + 1, to, acked, halfway, done);
    });
  }

  @Test
  void everyReceiverSeesOneOrderWhenManySendConcurrently() {
    try (TestNode node = TestNode.start("RATE_LIMIT_PER_SECOND", "100000", "RATE_LIMIT_BURST", "100000")) {
      List<WsProbe> receivers = List.of(node.member("r1", "group/dev"), node.member("r2", "group/dev"),
          node.member("r3", "group/dev"));
      List<WsProbe> senders = new ArrayList<>();
      for (int s = 0; s < 4; s++) {
        senders.add(node.member("s" + s, "group/dev"));
      }
      int perSender = 100;
      for (int i = 1; i <= perSender; i++) {
        for (int s = 0; s < senders.size(); s++) {
          senders.get(s).socket().writeTextMessage(send(i, "group/dev", "s" + s + "-" + i).encode());
        }
      }
      List<List<String>> orders = new ArrayList<>();
      for (WsProbe receiver : receivers) {
        List<String> ids = new ArrayList<>();
        String last = null;
        while (ids.size() < perSender * senders.size()) {
          JsonObject message = receiver.next("message");
          ids.add(message.getString("id"));
          String position = message.getString("position");
          if (last != null) {
            assertTrue(positionAfter(position, last), position + " came after " + last);
          }
          last = position;
        }
        assertEquals(ids.size(), new HashSet<>(ids).size(), "no repeats");
        orders.add(ids);
      }
      assertEquals(orders.get(0), orders.get(1));
      assertEquals(orders.get(0), orders.get(2));
    }
  }

  /** Test-only reading of our own position format (clients must not do this). */
  private static boolean positionAfter(String later, String earlier) {
    return chat.gateway.message.Position.parse(later).compareTo(chat.gateway.message.Position.parse(earlier)) > 0;
  }

  /**
   * bob sees m1 and goes away; alice sends m2..m{last}. Returns bob's position (at m1) and alice's socket.
   */
  private static String bobMissesMessages(TestNode node, WsProbe alice, int last) {
    WsProbe bob = node.member("bob", "group/dev");
    alice.send(send(1, "group/dev", "m1"));
    alice.next("ack");
    String position = bob.next("message").getString("position");
    bob.close();
    for (int i = 2; i <= last; i++) {
      alice.send(send(i, "group/dev", "m" + i));
      alice.next("ack");
    }
    return position;
  }

  @Test
  void resumePastTrimmedHistoryIsNotRecovered() {
    try (TestNode node = TestNode.start("HISTORY_MAX_MESSAGES", "5")) {
      WsProbe alice = node.member("alice", "group/dev");
      String position = bobMissesMessages(node, alice, 10);
      WsProbe back = node.probe();
      back.send(connectResuming("bob", "group/dev", position));
      assertEquals(false, back.next("connected").getJsonObject("recovered").getBoolean("group/dev"));
      assertTrue(messagesOf(back.drainUntilPong(), "group/dev").isEmpty(), "no partial replay");
      alice.send(send(11, "group/dev", "m11"));
      assertEquals("m11", back.next("message").getString("body"), "live messages still flow");
    }
  }

  @Test
  void resumeJustInsideTheWindowIsRecovered() {
    try (TestNode node = TestNode.start("HISTORY_MAX_MESSAGES", "5")) {
      WsProbe alice = node.member("alice", "group/dev");
      String position = bobMissesMessages(node, alice, 6);
      WsProbe back = node.probe();
      back.send(connectResuming("bob", "group/dev", position));
      assertEquals(true, back.next("connected").getJsonObject("recovered").getBoolean("group/dev"));
      assertEquals(List.of("m2", "m3", "m4", "m5", "m6"),
          messagesOf(back.drainUntilPong(), "group/dev").stream().map(m -> m.getString("body")).toList());
    }
  }

  @Test
  void historyShowsTheWindowAndNothingOlder() {
    try (TestNode node = TestNode.start("HISTORY_MAX_MESSAGES", "5")) {
      WsProbe alice = node.member("alice", "group/dev");
      for (int i = 1; i <= 8; i++) {
        alice.send(send(i, "group/dev", "m" + i));
        alice.next("ack");
      }
      alice.send(new JsonObject().put("type", "history").put("ref", 2).put("channel", "group/dev").put("limit", 100));
      JsonObject page = alice.next("history");
      assertEquals(List.of("m4", "m5", "m6", "m7", "m8"), page.getJsonArray("messages").stream()
          .map(m -> ((JsonObject) m).getString("body")).toList());
      assertEquals(false, page.getBoolean("more"), page.encode());
    }
  }

  @Test
  void resumePastTheHistoryAgeIsNotRecovered() {
    MutableClock clock = new MutableClock();
    try (TestNode node = TestNode.start(clock, "HISTORY_MAX_AGE", "1h")) {
      WsProbe alice = node.member("alice", "group/dev");
      WsProbe bob = node.member("bob", "group/dev");
      alice.send(send(1, "group/dev", "m1"));
      alice.next("ack");
      String position = bob.next("message").getString("position");
      bob.close();
      alice.send(send(2, "group/dev", "m2"));
      alice.next("ack");
      clock.advance(Duration.ofMinutes(61));
      WsProbe back = node.probe();
      back.send(connectResuming("bob", "group/dev", position));
      assertEquals(false, back.next("connected").getJsonObject("recovered").getBoolean("group/dev"));
    }
  }

  @Test
  void unknownPositionsAndLostHistoryAreNotRecovered() {
    String foreign;
    try (TestNode earlier = TestNode.start()) {
      WsProbe bob = earlier.member("bob", "group/dev");
      WsProbe alice = earlier.member("alice", "group/dev");
      alice.send(send(1, "group/dev", "before the restart"));
      foreign = bob.next("message").getString("position");
    }
    try (TestNode node = TestNode.start()) {
      WsProbe alice = node.member("alice", "group/dev");
      node.member("bob", "group/dev").close();
      alice.send(send(1, "group/dev", "after the restart"));
      alice.next("ack");
      WsProbe back = node.probe();
      back.send(new JsonObject().put("type", "connect").put("user", "bob").put("resume",
          new JsonObject().put("group/dev", foreign).put("user/bob", "garbage")));
      JsonObject connected = back.next("connected");
      assertEquals(new JsonObject().put("group/dev", false).put("user/bob", false),
          connected.getJsonObject("recovered"));
    }
  }

  @Test
  void resumeGivesNothingFromAChannelTheSessionIsNotEntitledTo() {
    try (TestNode node = TestNode.start()) {
      WsProbe alice = node.member("alice", "group/secret");
      alice.send("{\"type\":\"join\",\"ref\":2,\"channel\":\"group/dev\"}");
      String position = alice.next("joined").getString("position");
      alice.send(send(1, "group/secret", "classified"));
      alice.next("ack");
      alice.send(send(2, "user/bob", "for bob only"));
      alice.next("ack");
      WsProbe mallory = node.probe();
      mallory.send(new JsonObject().put("type", "connect").put("user", "mallory").put("resume",
          new JsonObject().put("group/secret", position).put("user/bob", position)));
      JsonObject connected = mallory.next("connected");
      assertEquals(new JsonObject().put("group/secret", false).put("user/bob", false),
          connected.getJsonObject("recovered"));
      List<JsonObject> frames = mallory.drainUntilPong();
      assertFalse(frames.stream().anyMatch(f -> "message".equals(f.getString("type"))), frames.toString());
    }
  }

  @Test
  void aReceiverThatDropsRepeatedIdsSeesEveryMessageOnce() {
    try (TestNode node = TestNode.start()) {
      WsProbe alice = node.member("alice", "group/dev");
      ChatClient bob = node.client("bob", "tablet");
      List<String> seen = new CopyOnWriteArrayList<>();
      bob.onMessage(m -> seen.add(m.id()));
      Await.result(bob.connect());
      Await.result(bob.join("group/dev"));
      alice.send(send(1, "group/dev", "a"));
      alice.next("ack");
      Await.until("bob saw a", () -> seen.size() == 1);
      // Resume from before "a": the replay repeats it; the client drops the repeat.
      String beforeA = Await.result(bob.history("group/dev", 1, null)).messages().get(0).position();
      bob.position("group/dev", startOf(beforeA));
      Await.result(bob.reconnect());
      alice.send(send(2, "group/dev", "b"));
      alice.next("ack");
      Await.until("bob saw b", () -> seen.size() == 2);
      assertEquals(1, bob.duplicates());
      assertEquals(2, Set.copyOf(seen).size());
    }
  }

  /** The position before every message of the same epoch (test-only knowledge of the format). */
  private static String startOf(String position) {
    return position.substring(0, position.lastIndexOf('.') + 1) + "0-0";
  }
}
