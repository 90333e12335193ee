package chat.gateway.suite.messaging;

import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;

import chat.gateway.redis.RedisKeys;
import chat.gateway.testing.RedisAdmin;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A direct message is two writes (the recipient's channel, then the sender's own copy; two slots on a Redis
 * Cluster). When the second fails, the send is not acked; its resend is acked with the first write's id and
 * position, and each side holds the message once.
 */
class DirectMessageWritesOnRedisTest {
  private final String prefix = TestNode.newPrefix();
  private TestNode node;

  /** Where the nodes of this test keep their data: one Redis here. */
  protected RedisAdmin redis() {
    TestNode.useRedis(true);
    return RedisFixture.get();
  }

  protected RedisKeys keys(String prefix) {
    return RedisKeys.standalone(prefix);
  }

  @BeforeEach
  void start() {
    redis();
    node = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-dm");
  }

  @AfterEach
  void stop() {
    node.close();
    TestNode.useRedis(false);
  }

  @Test
  void aResendAfterTheSendersCopyFailedIsAckedOnceAndDeliveredOnce() {
    WsProbe alice = node.connected("alice");
    WsProbe bob = node.connected("bob");
    // The sender's copy cannot be written: alice's stream key holds a value of the wrong type.
    RedisAdmin redis = redis();
    String aliceStream = keys(prefix).stream("user/alice");
    redis.call("SET", aliceStream, "not a stream");
    alice.send(send(1, "user/bob", "hello"));
    JsonObject refused = alice.next("error");
    assertEquals(1L, refused.getLong("seq"));
    assertEquals("unavailable", refused.getString("code"));
    JsonObject first = bob.next("message");
    assertEquals("hello", first.getString("body"));

    redis.call("DEL", aliceStream);
    alice.send(send(1, "user/bob", "hello"));
    JsonObject ack = alice.next("ack");
    assertEquals(first.getString("id"), ack.getString("id"), "the resend is acked with the stored message's id");
    assertEquals(first.getString("position"), ack.getString("position"));
    JsonObject own = alice.next("message");
    assertEquals(first.getString("id"), own.getString("id"));
    assertEquals("user/bob", own.getString("to"));

    alice.send(send(2, "user/bob", "second")).next("ack");
    assertEquals("second", bob.next("message").getString("body"), "bob got the first message once");
    assertEquals(2L, redis.call("XLEN", keys(prefix).stream("user/bob")));
    assertEquals(2L, redis.call("XLEN", aliceStream));
  }
}
