package chat.gateway.suite.cluster;

import static chat.gateway.testing.Frames.join;
import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Three nodes on one Redis behave, to every client, like one node. */
class ClusterTest {
  /** The store the nodes share: one Redis here. */
  protected void useStore(boolean on) {
    TestNode.useRedis(on);
  }

  private final List<TestNode> nodes = new ArrayList<>();

  @BeforeEach
  void startThreeNodes() {
    useStore(true);
    String prefix = TestNode.newPrefix();
    for (int i = 1; i <= 3; i++) {
      nodes.add(TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-" + i));
    }
  }

  @AfterEach
  void stop() {
    nodes.forEach(TestNode::close);
    useStore(false);
  }

  private WsProbe member(int node, String user, String group) {
    WsProbe ws = nodes.get(node).member(user, group);
    ws.next("member");
    return ws;
  }

  @Test
  void groupAndBroadcastMessagesReachMembersOnEveryNode() {
    WsProbe alice = member(0, "alice", "group/dev");
    WsProbe bob = member(1, "bob", "group/dev");
    WsProbe carol = member(2, "carol", "group/dev");
    WsProbe dave = nodes.get(2).connected("dave");

    alice.send(send(1, "group/dev", "hello from gw-1"));
    String id = alice.next("ack").getString("id");
    for (WsProbe member : List.of(alice, bob, carol)) {
      assertEquals(id, member.next("message").getString("id"));
    }
    bob.send(send(1, "broadcast", "everyone"));
    bob.next("ack");
    for (WsProbe anyone : List.of(alice, bob, carol, dave)) {
      assertEquals("everyone", anyone.next("message").getString("body"));
    }
    assertTrue(dave.skipped().stream().noneMatch(f -> "message".equals(f.getString("type"))),
        "dave (not a member) received the group message");
  }

  @Test
  void aDirectMessageReachesOnlyTheNodesOfRecipientAndSender() {
    WsProbe alice = nodes.get(0).connected("alice");
    WsProbe bob = nodes.get(1).connected("bob");
    WsProbe bystander = nodes.get(2).connected("carol");
    double before = nodes.get(2).gateway().metrics().pubsubReceivedCount("message");

    alice.send(send(1, "user/bob", "just for you"));
    String id = alice.next("ack").getString("id");
    assertEquals(id, bob.next("message").getString("id"));
    assertEquals(id, alice.next("message").getString("id"), "the sender's copy");
    // barrier: a DM to carol, published after, reaches gw-3 after anything published before it
    alice.send(send(2, "user/carol", "now you"));
    alice.next("ack");
    assertEquals("now you", bystander.next("message").getString("body"));
    assertEquals(before + 1, nodes.get(2).gateway().metrics().pubsubReceivedCount("message"),
        "gw-3 received only the DM meant for carol");
  }

  @Test
  void presenceAndMemberEventsSpanTheCluster() {
    WsProbe alice = member(0, "alice", "group/dev");
    WsProbe bob = nodes.get(1).connected("bob");
    bob.send(join(1, "group/dev"));
    bob.next("joined");
    assertEquals("bob", alice.next("member").getString("user"));

    alice.send("{\"type\":\"presence\",\"ref\":2,\"channel\":\"group/dev\"}");
    assertEquals(new JsonArray().add("alice").add("bob"), alice.next("presence").getJsonArray("online"));
    JsonObject viaApi = nodes.get(2).api(HttpMethod.GET, "/api/presence/group%2Fdev", null).json();
    assertEquals(2, viaApi.getLong("members"));

    bob.close();
    JsonObject offline = alice.next("member");
    assertEquals("bob", offline.getString("user"));
    assertEquals("offline", offline.getString("event"));

    JsonArray cluster = nodes.get(2).api(HttpMethod.GET, "/api/cluster", null).json().getJsonArray("nodes");
    assertEquals(List.of("gw-1", "gw-2", "gw-3"), cluster.stream().map(n -> ((JsonObject) n).getString("id")).toList());
  }

  @Test
  void aClientResumesOnAnotherNodeWithExactlyWhatItMissed() {
    WsProbe alice = member(0, "alice", "group/dev");
    WsProbe bob = member(1, "bob", "group/dev");
    alice.send(send(1, "group/dev", "m1"));
    alice.next("ack");
    String position = bob.next("message").getString("position");
    bob.close();
    for (int i = 2; i <= 5; i++) {
      alice.send(send(i, "group/dev", "m" + i));
      alice.next("ack");
    }
    WsProbe back = nodes.get(2).probe();
    back.send(new JsonObject().put("type", "connect").put("user", "bob")
        .put("resume", new JsonObject().put("group/dev", position)));
    assertEquals(true, back.next("connected").getJsonObject("recovered").getBoolean("group/dev"));
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      bodies.add(back.next("message").getString("body"));
    }
    assertEquals(List.of("m2", "m3", "m4", "m5"), bodies);
  }

  @Test
  void aResendToAnotherNodeIsAckedAgainAndNotDeliveredTwice() {
    WsProbe bob = member(2, "bob", "group/dev");
    WsProbe first = member(0, "alice", "group/dev");
    first.send(send(7, "group/dev", "once"));
    JsonObject ack = first.next("ack");
    first.close();
    WsProbe again = nodes.get(1).connected("alice");
    again.send(send(7, "group/dev", "once"));
    JsonObject second = again.next("ack");
    assertEquals(ack.getString("id"), second.getString("id"));
    assertEquals(ack.getString("position"), second.getString("position"));
    again.send(send(8, "group/dev", "after"));
    again.next("ack");
    assertEquals("once", bob.next("message").getString("body"));
    assertEquals("after", bob.next("message").getString("body"));
  }

  @Test
  void clusterMetricsAreExported() {
    WsProbe alice = member(0, "alice", "group/dev");
    alice.send(send(1, "group/dev", "counted"));
    alice.next("ack");
    chat.gateway.testing.Await.until("a canary round trip", () -> nodes.get(0).management(HttpMethod.GET, "/metrics")
        .body().contains("chat_pubsub_canary_seconds_count"));
    String metrics = nodes.get(0).management(HttpMethod.GET, "/metrics").body();
    for (String name : new String[] {"chat_redis_command_seconds_bucket{command=\"publish\",result=\"ok\"",
        "chat_pubsub_up 1.0", "chat_pubsub_received_total{kind=\"message\"}", "chat_registry_sweeps_total"}) {
      assertTrue(metrics.contains(name), "missing " + name);
    }
  }

  @Test
  void aNodeCanBeDrainedThroughAnyOther() {
    WsProbe onThird = nodes.get(2).connected("erin");
    WsProbe onFirst = nodes.get(0).connected("frank");
    assertEquals(200, nodes.get(0).api(HttpMethod.POST, "/api/cluster/gw-3/drain", null).status());
    assertEquals(4100, onThird.closeCode());
    assertEquals(503, nodes.get(2).management(HttpMethod.GET, "/ready").status());
    assertEquals(200, nodes.get(0).management(HttpMethod.GET, "/ready").status());
    onFirst.send("{\"type\":\"ping\"}");
    assertEquals("pong", onFirst.next("pong").getString("type"));
    assertEquals(404, nodes.get(0).api(HttpMethod.POST, "/api/cluster/gw-9/drain", null).status());
  }

  @Test
  void disconnectThroughAnyNodeClosesSessionsOnAllNodes() {
    WsProbe onFirst = nodes.get(0).connected("mallory", "phone");
    WsProbe onThird = nodes.get(2).connected("mallory", "laptop");
    assertEquals(200, nodes.get(1).api(HttpMethod.POST, "/api/disconnect",
        new JsonObject().put("user", "mallory")).status());
    assertEquals(4003, onFirst.closeCode());
    assertEquals(4003, onThird.closeCode());
  }
}
