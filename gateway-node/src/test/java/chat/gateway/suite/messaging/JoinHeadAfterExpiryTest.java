package chat.gateway.suite.messaging;

import static chat.gateway.testing.Frames.join;
import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.OnRedis;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node that stays subscribed to a group while the group's history expires in Redis (nothing written for
 * {@code HISTORY_MAX_AGE}) does not answer a join with where it stood in the history that is gone: the joiner gets the
 * new history's head, and a resume from it is complete.
 */
@ExtendWith(OnRedis.class)
class JoinHeadAfterExpiryTest {
  private String prefix;
  private TestNode node;

  @BeforeEach
  void start() {
    prefix = TestNode.newPrefix();
    node = TestNode.start("REDIS_KEY_PREFIX", prefix, "HISTORY_MAX_AGE", "1s");
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private static String epochOf(String position) {
    return position.substring(0, position.lastIndexOf('.'));
  }

  @Test
  void aJoinAfterTheGroupsHistoryExpiredGetsTheNewHistorysHead() {
    WsProbe bob = node.member("bob", "group/quiet");
    bob.send(send(1, "group/quiet", "before"));
    String before = bob.next("ack").getString("position");
    Await.until("the group's history expired in Redis",
        () -> RedisFixture.get().number("EXISTS", prefix + "meta:group/quiet", prefix + "stream:group/quiet") == 0);

    WsProbe alice = node.connected("alice");
    String head = alice.send(join(1, "group/quiet")).next("joined").getString("position");
    assertNotEquals(epochOf(before), epochOf(head), "the head of the history that stands now, not the expired one's");

    bob.send(send(2, "group/quiet", "after"));
    String after = bob.next("ack").getString("position");
    assertEquals("after", alice.next("message").getString("body"));
    assertEquals(epochOf(head), epochOf(after), "the next message is in the joiner's history");
    WsProbe back = node.probe();
    back.send(new JsonObject().put("type", "connect").put("user", "alice").put("device", "other")
        .put("resume", new JsonObject().put("group/quiet", head)));
    JsonObject connected = back.next("connected");
    assertTrue(connected.getJsonObject("recovered").getBoolean("group/quiet"), "a resume from the head is complete");
    assertEquals("after", back.next("message").getString("body"));
  }
}
