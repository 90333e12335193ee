package chat.gateway.suite.limits;

import static chat.gateway.testing.Frames.join;
import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * What one user may make the cluster hold: groups and sessions (caps, {@code forbidden}), channels and bytes
 * written per window (quotas, {@code rate_limited}), and how long {@code /api/disconnect} keeps them out.
 */
class UserBoundsTest {

  static JsonObject error(WsProbe ws) {
    return ws.next("error");
  }

  @Test
  void aJoinPastTheGroupsCapIsForbiddenAndALeaveMakesRoom() {
    try (TestNode node = TestNode.start("MAX_GROUPS_PER_USER", "2")) {
      WsProbe alice = node.connected("alice");
      alice.send(join(1, "group/a")).next("joined");
      alice.send(join(2, "group/b")).next("joined");
      alice.send(join(3, "group/c"));
      JsonObject refused = error(alice);
      assertEquals("forbidden", refused.getString("code"));
      assertEquals(3L, refused.getLong("ref"));
      alice.send(join(4, "group/a")).next("joined");
      alice.send(new JsonObject().put("type", "leave").put("ref", 5).put("channel", "group/a")).next("left");
      assertEquals("group/c", alice.send(join(6, "group/c")).next("joined").getString("channel"));
    }
  }

  @Test
  void aSessionPastTheSessionsCapIsRefusedWith4003() {
    try (TestNode node = TestNode.start("MAX_SESSIONS_PER_USER", "2")) {
      node.connected("alice", "phone");
      WsProbe laptop = node.connected("alice", "laptop");
      WsProbe third = node.probe();
      third.send(new JsonObject().put("type", "connect").put("user", "alice").put("device", "tablet"));
      assertEquals("forbidden", error(third).getString("code"));
      assertEquals(4003, third.closeCode());
      laptop.close();
      laptop.closeCode();
      // the closed session's place is free again once it is unregistered
      WsProbe[] again = new WsProbe[1];
      Await.until("a place among alice's sessions", () -> {
        WsProbe probe = node.probe();
        probe.send(new JsonObject().put("type", "connect").put("user", "alice").put("device", "tablet"));
        again[0] = probe;
        return probe.next().getString("type").equals("connected");
      });
      again[0].send("{\"type\":\"ping\"}").next("pong");
    }
  }

  @Test
  void writingToTooManyNewChannelsIsRateLimitedAndOldOnesStillWork() {
    try (TestNode node = TestNode.start("USER_NEW_CHANNELS_PER_WINDOW", "3")) {
      WsProbe alice = node.connected("alice");
      for (int i = 1; i <= 3; i++) {
        alice.send(send(i, "user/u" + i, "hi")).next("ack");
      }
      alice.send(send(4, "user/u4", "hi"));
      JsonObject refused = error(alice);
      assertEquals("rate_limited", refused.getString("code"));
      assertEquals(4L, refused.getLong("seq"));
      assertTrue(refused.getBoolean("temporary"));
      assertTrue(refused.getString("message").contains("retry-after="), refused.encode());
      alice.send(join(5, "group/new"));
      assertEquals("rate_limited", error(alice).getString("code"), "a join opens a channel too");
      assertEquals(5L, alice.send(send(5, "user/u2", "again")).next("ack").getLong("seq"));
      assertEquals(6L, alice.send(send(6, "user/alice", "notes to self")).next("ack").getLong("seq"));
    }
  }

  @Test
  void storingMoreBytesThanTheQuotaIsRateLimited() {
    try (TestNode node = TestNode.start("USER_BYTES_PER_WINDOW", "4096")) {
      WsProbe alice = node.connected("alice");
      alice.send(join(1, "group/dev")).next("joined");
      alice.send(send(1, "group/dev", "x".repeat(1500))).next("ack");
      alice.send(send(2, "group/dev", "x".repeat(1500))).next("ack");
      alice.send(send(3, "group/dev", "x".repeat(1500)));
      assertEquals("rate_limited", error(alice).getString("code"));
      // a direct message is stored twice (both sides), and counts twice
      WsProbe bob = node.connected("bob");
      bob.send(send(1, "user/carol", "y".repeat(1500))).next("ack");
      bob.send(send(2, "user/carol", "y".repeat(1500)));
      assertEquals("rate_limited", error(bob).getString("code"));
    }
  }

  @Test
  void aDisconnectWithABanKeepsTheUserOutUntilItEnds() {
    try (TestNode node = TestNode.start()) {
      WsProbe alice = node.connected("alice");
      long before = System.currentTimeMillis();
      TestNode.HttpResult result = node.api(HttpMethod.POST, "/api/disconnect",
          new JsonObject().put("user", "alice").put("banSeconds", 60));
      assertEquals(200, result.status(), result.body());
      long until = result.json().getLong("bannedUntil");
      assertTrue(until >= before + 60_000 && until <= System.currentTimeMillis() + 60_000, result.body());
      assertEquals(4003, alice.closeCode());
      WsProbe back = node.probe();
      back.send(new JsonObject().put("type", "connect").put("user", "alice"));
      assertEquals("forbidden", error(back).getString("code"));
      assertEquals(4003, back.closeCode());
      node.connected("bob");
      assertEquals(400, node.api(HttpMethod.POST, "/api/disconnect",
          new JsonObject().put("user", "alice").put("banSeconds", -1)).status());
      assertEquals(400, node.api(HttpMethod.POST, "/api/disconnect",
          new JsonObject().put("user", "alice").put("banSeconds", "60")).status());
    }
  }

  @Test
  void aDisconnectWithoutABanLetsTheUserComeBackAtOnce() {
    try (TestNode node = TestNode.start()) {
      WsProbe alice = node.connected("alice");
      TestNode.HttpResult result = node.api(HttpMethod.POST, "/api/disconnect", new JsonObject().put("user", "alice"));
      assertEquals(200, result.status(), result.body());
      assertEquals(null, result.json().getValue("bannedUntil"));
      assertEquals(4003, alice.closeCode());
      node.connected("alice");
    }
  }
}
