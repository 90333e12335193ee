package chat.gateway.suite.presence;

import static chat.gateway.testing.Frames.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Sessions that ask for {@code member_batches} at connect get one {@code members} frame per group per
 * interval instead of a frame per event: a ramp of N members into a group costs each of them a few frames,
 * not N. Sessions that did not ask keep today's {@code member} frames.
 */
class MemberBatchTest {
  private static final int JOINERS = 30;

  private static WsProbe connect(TestNode node, String user, boolean batches) {
    WsProbe ws = node.probe();
    JsonObject connect = new JsonObject().put("type", "connect").put("user", user);
    if (batches) {
      connect.put("features", new JsonArray().add("member_batches").add("some_future_feature"));
    }
    ws.send(connect);
    ws.next("connected");
    ws.send(join(1, "group/ramp"));
    ws.next("joined");
    return ws;
  }

  private static double framesOut(TestNode node, String type) {
    Matcher m = Pattern.compile("chat_frames_out_total\\{type=\"" + type + "\"\\} ([0-9.E]+)")
        .matcher(node.management(HttpMethod.GET, "/metrics").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void aRampIntoAGroupCostsEachBatchedMemberAFrameAnIntervalNotOneAJoin() {
    try (TestNode node = TestNode.start("MEMBER_BATCH_INTERVAL", "1s")) {
      WsProbe plain = connect(node, "plain", false);
      WsProbe batched = connect(node, "batched", true);
      List<WsProbe> ramp = new ArrayList<>();
      for (int i = 0; i < JOINERS; i++) {
        ramp.add(connect(node, "u" + i, true));
      }
      for (int i = 0; i < JOINERS; i++) {
        JsonObject member = plain.next("member");
        assertEquals("joined", member.getString("event"));
      }

      Set<String> joined = new HashSet<>();
      int frames = 0;
      while (joined.size() < JOINERS) {
        JsonObject batch = batched.next("members", "member");
        assertEquals("members", batch.getString("type"), "a batched session gets no single member frames");
        assertEquals("group/ramp", batch.getString("channel"));
        frames++;
        batch.getJsonArray("events").forEach(e -> {
          JsonObject event = (JsonObject) e;
          if (event.getString("user").startsWith("u") && event.getString("event").equals("joined")) {
            joined.add(event.getString("user"));
          }
        });
      }
      assertTrue(frames < JOINERS, frames + " frames for " + JOINERS + " joins");
      WsProbe last = ramp.get(JOINERS - 1);
      last.next("members");
      double singles = framesOut(node, "member");
      double batches = framesOut(node, "members");
      assertEquals(JOINERS + 2.0, singles, "single frames (its own join, batched's and the ramp's) went only to the "
          + "session that did not ask for batches");
      assertTrue(batches < JOINERS * (JOINERS - 1) / 2.0 / 4, batches + " batch frames for a ramp of " + JOINERS
          + " (one frame per event would be about " + JOINERS * JOINERS / 2 + ")");
    }
  }

  @Test
  void aBatchKeepsTheLatestMembershipAndStatusOfEachUser() {
    try (TestNode node = TestNode.start("MEMBER_BATCH_INTERVAL", "2s")) {
      WsProbe batched = connect(node, "batched", true);
      WsProbe bob = connect(node, "bob", false);
      bob.send(new JsonObject().put("type", "leave").put("ref", 2).put("channel", "group/ramp"));
      bob.next("left");
      bob.send(join(3, "group/ramp"));
      bob.next("joined");
      JsonArray events = batched.next("members").getJsonArray("events");
      List<String> bobs = new ArrayList<>();
      events.forEach(e -> {
        if (((JsonObject) e).getString("user").equals("bob")) {
          bobs.add(((JsonObject) e).getString("event"));
        }
      });
      assertTrue(bobs.equals(List.of("joined")) || bobs.equals(List.of("left")),
          "bob's membership once, as it last was in the interval: " + events);
    }
  }
}
