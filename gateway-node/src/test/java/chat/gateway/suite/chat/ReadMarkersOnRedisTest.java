package chat.gateway.suite.chat;

import static chat.gateway.suite.chat.ReadMarkersTest.member;
import static chat.gateway.suite.chat.ReadMarkersTest.messageFrom;
import static chat.gateway.suite.chat.ReadMarkersTest.read;
import static chat.gateway.suite.chat.ReadMarkersTest.sent;
import static chat.gateway.suite.chat.ReadMarkersTest.unread;
import static org.junit.jupiter.api.Assertions.assertEquals;

import chat.gateway.redis.RedisKeys;
import chat.gateway.testing.OnRedis;
import chat.gateway.testing.RedisAdmin;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ReadMarkersTest} on one Redis; across two nodes (receipts by pub/sub, counts from Redis at a connect to the
 * other node); and a marker of history Redis lost since, which counts every kept message from others.
 */
@ExtendWith(OnRedis.class)
class ReadMarkersOnRedisTest extends ReadMarkersTest {

  protected RedisAdmin redis() {
    return RedisFixture.get();
  }

  protected RedisKeys keys(String prefix) {
    return RedisKeys.standalone(prefix);
  }

  @Test
  void markersReceiptsAndCountsCrossNodes() {
    String prefix = TestNode.newPrefix();
    try (TestNode first = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-1");
         TestNode second = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-2")) {
      WsProbe alice = member(first, "alice", "laptop", "group/ops");
      WsProbe bob = member(second, "bob", "default", "group/ops");
      alice.next("member"); // bob's join reached the first node: the group's topic is subscribed there
      JsonObject one = sent(bob, 1, "group/ops", "one");
      sent(bob, 2, "group/ops", "two");
      alice.send(read(1, "group/ops", one.getString("position")));
      alice.next("read");
      assertEquals("alice", bob.next("read").getString("user"), "the receipt crossed nodes");
      JsonObject dm = sent(bob, 3, "user/alice", "hi");
      String copy = messageFrom(alice, "bob").getString("position");
      alice.send(read(2, "user/bob", copy));
      alice.next("read");
      JsonObject receipt = bob.next("read");
      assertEquals("user/alice", receipt.getString("channel"));
      assertEquals(dm.getString("id"), receipt.getString("id"));
      sent(bob, 4, "user/alice", "again");
      assertEquals(new JsonObject().put("user/bob", 1).put("group/ops", 1), unread(second, "alice"));
    }
  }

  @Test
  void aMarkerOfLostHistoryCountsEveryKeptMessageFromOthers() {
    String prefix = TestNode.newPrefix();
    try (TestNode one = TestNode.start("REDIS_KEY_PREFIX", prefix)) {
      WsProbe alice = member(one, "alice", "default", "group/lost");
      WsProbe bob = member(one, "bob", "default", "group/lost");
      JsonObject first = sent(bob, 1, "group/lost", "one");
      alice.send(read(1, "group/lost", first.getString("position")));
      alice.next("read");
      RedisKeys keys = keys(prefix);
      redis().call("DEL", keys.stream("group/lost"));
      redis().call("DEL", keys.meta("group/lost")); // as if Redis lost the history (the markers stay with the members)
      sent(bob, 2, "group/lost", "two");
      sent(bob, 3, "group/lost", "three");
      sent(alice, 1, "group/lost", "mine");
      assertEquals(new JsonObject().put("group/lost", 2), unread(one, "alice"));
    }
  }
}
