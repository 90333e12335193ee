package chat.gateway.suite.chat;

import static chat.gateway.testing.Frames.join;
import static org.junit.jupiter.api.Assertions.assertEquals;

import chat.gateway.testing.OnRedis;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link TypingTest} on one Redis, and across two nodes: typing crosses nodes by pub/sub. */
@ExtendWith(OnRedis.class)
class TypingOnRedisTest extends TypingTest {
  @Test
  void typingReachesMembersOnAnotherNode() {
    String prefix = TestNode.newPrefix();
    try (TestNode first = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-1");
         TestNode second = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-2")) {
      WsProbe alice = first.connected("alice");
      alice.send(join(1, "group/ops"));
      alice.next("joined");
      WsProbe bob = second.connected("bob");
      bob.send(join(1, "group/ops"));
      bob.next("joined");
      alice.next("member"); // bob's join reached the first node: its topic is subscribed there
      alice.send(new JsonObject().put("type", "typing").put("channel", "group/ops"));
      assertEquals("alice", bob.next("typing").getString("user"));
      WsProbe carol = second.connected("carol");
      alice.send(new JsonObject().put("type", "typing").put("channel", "user/carol"));
      assertEquals("user/alice", carol.next("typing").getString("channel"));
    }
  }
}
