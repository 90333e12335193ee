package chat.gateway.suite.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Presence of a group asked again and again costs the stores nothing until something changes, and a change
 * made on any node shows in the next answer.
 */
class PresenceOnRedisTest {
  private final RedisFixture redis = RedisFixture.get();
  private TestNode a;
  private TestNode b;

  @BeforeEach
  void start() {
    TestNode.useRedis(true);
    String prefix = TestNode.newPrefix();
    a = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-a", "RATE_LIMIT_BURST", "1000");
    b = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-b", "RATE_LIMIT_BURST", "1000");
  }

  @AfterEach
  void stop() {
    b.close();
    a.close();
    TestNode.useRedis(false);
  }

  private static JsonArray online(WsProbe ws, int ref) {
    ws.send(new JsonObject().put("type", "presence").put("ref", ref).put("channel", "group/dev"));
    return ws.next("presence").getJsonArray("online");
  }

  @Test
  void aGroupsPresenceIsReadOnceUntilAMemberComesOrGoesOnAnyNode() {
    WsProbe alice = a.member("alice", "group/dev");
    WsProbe bob = b.member("bob", "group/dev");
    bob.close();
    bob.closeCode();
    Await.until("bob is offline for alice", () -> online(alice, 2).equals(new JsonArray().add("alice")));

    long reads = redis.calls("SMEMBERS");
    for (int i = 0; i < 50; i++) {
      assertEquals(new JsonArray().add("alice"), online(alice, 10 + i));
    }
    assertTrue(redis.calls("SMEMBERS") - reads <= 1, "50 presence requests read the member set "
        + (redis.calls("SMEMBERS") - reads) + " times");

    // bob comes back on the other node: alice's next answer (after his online event) has him
    alice.skipped().clear();
    b.connected("bob");
    JsonObject event;
    do {
      event = alice.next("member");
    } while (!event.getString("event").equals("online"));
    assertEquals(new JsonArray().add("alice").add("bob"), online(alice, 100));
  }
}
