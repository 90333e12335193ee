package chat.gateway.suite.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Above LARGE_GROUP_MEMBERS a group gets only joined and left events (a status event would reach thousands
 * each time anyone comes or goes) and presence answers with the member count alone.
 */
class LargeGroupTest {


  /** The member frames up to and including {@code user}'s {@code event} in {@code channel}. */
  private static List<JsonObject> awaitMember(WsProbe ws, String channel, String user, String event) {
    List<JsonObject> seen = new ArrayList<>();
    while (true) {
      JsonObject member = ws.next("member");
      seen.add(member);
      if (member.getString("channel").equals(channel) && member.getString("user").equals(user)
          && member.getString("event").equals(event)) {
        return seen;
      }
    }
  }

  @Test
  void aLargeGroupHasNoStatusEventsAndAPresenceCount() {
    try (TestNode node = TestNode.start("LARGE_GROUP_MEMBERS", "3")) {
      WsProbe watcher = node.member("watcher", "group/small", "group/big");
      WsProbe u1 = node.member("u1", "group/small", "group/big");
      node.member("u2", "group/big");
      node.member("u3", "group/big");
      awaitMember(watcher, "group/big", "u3", "joined");

      u1.close();
      List<JsonObject> until = new ArrayList<>(awaitMember(watcher, "group/small", "u1", "offline"));
      // a barrier: u4's join is published after any status event of u1's close, so it arrives after them
      node.member("u4", "group/big");
      until.addAll(awaitMember(watcher, "group/big", "u4", "joined"));
      assertFalse(until.stream().anyMatch(f -> f.getString("channel").equals("group/big")
          && List.of("online", "offline").contains(f.getString("event"))),
          "no status event for group/big (5 members), joins still told: " + until);

      watcher.send("{\"type\":\"presence\",\"ref\":5,\"channel\":\"group/big\"}");
      JsonObject big = watcher.next("presence");
      assertEquals(5, big.getLong("members"));
      assertEquals(new JsonArray(), big.getJsonArray("online"));
      assertTrue(big.getBoolean("large"));
      watcher.send("{\"type\":\"presence\",\"ref\":6,\"channel\":\"group/small\"}");
      JsonObject small = watcher.next("presence");
      assertEquals(new JsonArray().add("watcher"), small.getJsonArray("online"));
      assertFalse(small.containsKey("large"));
      JsonObject viaApi = node.api(HttpMethod.GET, "/api/presence/group%2Fbig", null).json();
      assertEquals(new JsonObject().put("online", new JsonArray()).put("members", 5).put("large", true), viaApi);
    }
  }
}
