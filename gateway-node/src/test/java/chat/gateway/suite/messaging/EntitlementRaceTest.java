package chat.gateway.suite.messaging;

import static chat.gateway.testing.Frames.join;
import static org.junit.jupiter.api.Assertions.assertEquals;

import chat.gateway.testing.Await;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Guarantee 6 when a session connects on one node while its user leaves a group, or is disconnected, on
 * another: the new session ends up without the group, or closed, however the two interleave.
 */
class EntitlementRaceTest {
  /** The store the nodes share: one Redis here. */
  protected void useStore(boolean on) {
    TestNode.useRedis(on);
  }

  private static final int TRIES = 40;
  private TestNode a;
  private TestNode b;

  @BeforeEach
  void start() {
    useStore(true);
    String prefix = TestNode.newPrefix();
    a = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-a", "RATE_LIMIT_BURST", "1000");
    b = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-b", "RATE_LIMIT_BURST", "1000");
  }

  @AfterEach
  void stop() {
    b.close();
    a.close();
    useStore(false);
  }

  @Test
  void aSessionConnectingWhileItsUserLeavesAGroupElsewhereEndsUpOutOfIt() {
    WsProbe phone = a.connected("alice", "phone");
    for (int i = 0; i < TRIES; i++) {
      phone.send(join(2 * i + 1, "group/g" + i)).next("joined");
      WsProbe laptop = b.probe();
      // the leave and the connect race
      laptop.send(new JsonObject().put("type", "connect").put("user", "alice").put("device", "laptop"));
      phone.send(new JsonObject().put("type", "leave").put("ref", 2 * i + 2).put("channel", "group/g" + i));
      phone.next("left");
      laptop.next("connected");
      String group = "group/g" + i;
      int ref = 1000 + i;
      Await.until("the laptop is out of " + group + " (try " + i + ")", () -> {
        laptop.send(new JsonObject().put("type", "presence").put("ref", ref).put("channel", group));
        JsonObject answer = laptop.next("presence", "error");
        return answer.getString("type").equals("error") && answer.getString("code").equals("forbidden");
      });
      laptop.close();
    }
  }

  @Test
  void aSessionConnectingWhileItsUserIsBannedElsewhereIsClosed() {
    for (int i = 0; i < TRIES; i++) {
      String user = "mallory" + i;
      WsProbe connecting = b.probe();
      CompletableFuture<TestNode.HttpResult> ban = CompletableFuture.supplyAsync(() -> a.api(HttpMethod.POST,
          "/api/disconnect", new JsonObject().put("user", user).put("banSeconds", 60)));
      connecting.send(new JsonObject().put("type", "connect").put("user", user));
      assertEquals(200, ban.join().status());
      assertEquals(4003, connecting.closeCode(), "try " + i);
    }
  }
}
