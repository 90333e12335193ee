package chat.gateway.suite.access;

import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.Jwts;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.TestNode.HttpResult;
import chat.gateway.testing.WsProbe;
import chat.protocol.ErrorCode;
import chat.protocol.client.ChatClient;
import chat.protocol.client.ClientOptions;
import chat.protocol.client.ProtocolErrorException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Version 1.1, "Access to groups": under token sign-in groups are closed but those of {@code OPEN_GROUPS}, and a
 * closed one takes a grant (the token's {@code groups}, a join token, or the application making the user a
 * member through the API); presence of others is private. On one node here; across nodes on Redis and on a
 * Redis Cluster in the subclasses, where a membership change reaches the user's sessions on every node.
 */
class AccessTest {
  static final String SECRET = "access-test-secret-of-at-least-32-bytes!";
  private final List<TestNode> nodes = new ArrayList<>();

  /** The store the nodes share: none here (one node). */
  protected void useStore(boolean on) {
  }

  protected int nodeCount() {
    return 1;
  }

  @BeforeEach
  void start() {
    useStore(true);
    String prefix = TestNode.newPrefix();
    for (int i = 1; i <= nodeCount(); i++) {
      nodes.add(TestNode.start("AUTH_MODE", "jwt", "JWT_SECRET", SECRET, "OPEN_GROUPS", "public.*",
          "REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-" + i));
    }
  }

  @AfterEach
  void stop() {
    nodes.forEach(TestNode::close);
    useStore(false);
  }

  private TestNode first() {
    return nodes.get(0);
  }

  private TestNode last() {
    return nodes.get(nodes.size() - 1);
  }

  private static long inAnHour() {
    return System.currentTimeMillis() / 1000 + 3600;
  }

  static String token(String user, JsonArray groups) {
    JsonObject claims = Jwts.claims(user, inAnHour());
    if (groups != null) {
      claims.put("groups", groups);
    }
    return Jwts.hs256(SECRET, claims);
  }

  static String joinToken(String secret, String user, String channel, long exp) {
    return Jwts.hs256(secret, Jwts.claims(user, exp).put("channel", channel));
  }

  private WsProbe connect(TestNode node, String token) {
    WsProbe ws = node.probe();
    ws.send(new JsonObject().put("type", "connect").put("token", token).put("device", "d" + System.nanoTime()));
    ws.next("connected");
    return ws;
  }

  /** The answer to a join of {@code channel} (with {@code joinToken}, may be null): joined, or an error. */
  private static JsonObject join(WsProbe ws, long ref, String channel, String joinToken) {
    JsonObject join = new JsonObject().put("type", "join").put("ref", ref).put("channel", channel);
    if (joinToken != null) {
      join.put("token", joinToken);
    }
    ws.send(join);
    JsonObject answer = ws.next("joined", "error");
    assertEquals(ref, answer.getLong("ref"), answer.encode());
    return answer;
  }

  private static void assertForbidden(JsonObject answer) {
    assertEquals("error", answer.getString("type"), answer.encode());
    assertEquals("forbidden", answer.getString("code"), answer.encode());
  }

  @Test
  void openGroupsForAnyoneClosedOnesForTheTokensGroups() {
    WsProbe plain = connect(first(), token("alice", null));
    assertEquals("joined", join(plain, 1, "group/public.lobby", null).getString("type"));
    assertForbidden(join(plain, 2, "group/vip", null));
    WsProbe granted = connect(first(), token("bob", new JsonArray().add("vip").add("team.*")));
    assertEquals("joined", join(granted, 1, "group/vip", null).getString("type"));
    assertEquals("joined", join(granted, 2, "group/team.red", null).getString("type"));
    assertForbidden(join(granted, 3, "group/team2", null));
  }

  @Test
  void aJoinTokenGrantsItsUserItsChannelUntilItExpires() {
    WsProbe alice = connect(first(), token("alice", null));
    assertForbidden(join(alice, 1, "group/vip", joinToken(SECRET, "alice", "group/vip", inAnHour() - 7200)));
    assertForbidden(join(alice, 2, "group/vip", joinToken(SECRET, "bob", "group/vip", inAnHour())));
    assertForbidden(join(alice, 3, "group/vip", joinToken(SECRET, "alice", "group/other", inAnHour())));
    assertForbidden(join(alice, 4, "group/vip", joinToken("another-secret-of-at-least-32-bytes!!", "alice",
        "group/vip", inAnHour())));
    assertForbidden(join(alice, 5, "group/vip", "not-a-jwt"));
    assertEquals("joined", join(alice, 6, "group/vip", joinToken(SECRET, "alice", "group/vip", inAnHour()))
        .getString("type"));
  }

  @Test
  void aJoinTokenOrABadGroupsClaimDoesNotSignIn() {
    for (String bad : List.of(joinToken(SECRET, "alice", "group/vip", inAnHour()),
        Jwts.hs256(SECRET, Jwts.claims("alice", inAnHour()).put("groups", "vip")),
        Jwts.hs256(SECRET, Jwts.claims("alice", inAnHour()).put("groups", new JsonArray().add("no/slash"))))) {
      WsProbe ws = first().probe();
      ws.send(new JsonObject().put("type", "connect").put("token", bad).put("device", "d"));
      assertEquals("unauthorized", ws.next("error").getString("code"));
      assertEquals(4001, ws.closeCode());
    }
  }

  @Test
  void theApplicationMakesMembersAndEverySessionOfTheUserFollows() {
    WsProbe aliceHere = connect(first(), token("alice", null));
    WsProbe aliceThere = connect(last(), token("alice", null));
    WsProbe bob = connect(last(), token("bob", null));
    HttpResult added = first().api(HttpMethod.PUT, "/api/groups/vip/members/alice", null);
    assertEquals(200, added.status(), added.body());
    assertEquals(new JsonObject().put("group", "vip").put("user", "alice").put("added", true), added.json());
    for (WsProbe session : List.of(aliceHere, aliceThere)) {
      JsonObject joined = session.next("joined");
      assertEquals("group/vip", joined.getString("channel"));
      assertNull(joined.getLong("ref"), "not an answer to a request of the session");
    }
    assertFalse(first().api(HttpMethod.PUT, "/api/groups/vip/members/alice", null).json().getBoolean("added"));
    last().api(HttpMethod.PUT, "/api/groups/vip/members/bob", null);
    bob.next("joined");
    bob.send(send(1, "group/vip", "welcome"));
    bob.next("ack");
    for (WsProbe session : List.of(aliceHere, aliceThere)) {
      assertEquals("welcome", session.next("message").getString("body"));
    }
    // a member joins again (another device): the stored membership is the grant
    assertEquals("joined", join(connect(first(), token("alice", null)), 1, "group/vip", null).getString("type"));

    assertEquals(new JsonObject().put("members", new JsonArray().add("alice").add("bob")).put("more", false),
        first().api(HttpMethod.GET, "/api/groups/vip/members", null).json());
    assertEquals(new JsonObject().put("members", new JsonArray().add("alice")).put("more", true),
        first().api(HttpMethod.GET, "/api/groups/vip/members?limit=1", null).json());
    assertEquals(new JsonObject().put("members", new JsonArray().add("bob")).put("more", false),
        first().api(HttpMethod.GET, "/api/groups/vip/members?after=alice&limit=1", null).json());
    assertEquals(new JsonObject().put("groups", new JsonArray().add("vip")),
        last().api(HttpMethod.GET, "/api/users/alice/groups", null).json());

    HttpResult removed = last().api(HttpMethod.DELETE, "/api/groups/vip/members/alice", null);
    assertEquals(new JsonObject().put("group", "vip").put("user", "alice").put("removed", true), removed.json());
    for (WsProbe session : List.of(aliceHere, aliceThere)) {
      JsonObject left = session.next("left");
      assertEquals("group/vip", left.getString("channel"));
      assertNull(left.getLong("ref"));
    }
    assertForbidden(join(aliceHere, 2, "group/vip", null));
    assertFalse(last().api(HttpMethod.DELETE, "/api/groups/vip/members/alice", null).json().getBoolean("removed"));
    bob.send(send(2, "group/vip", "alice is gone"));
    bob.next("ack");
    bob.send(new JsonObject().put("type", "ping"));
    aliceHere.send(new JsonObject().put("type", "ping"));
    assertTrue(aliceHere.drainUntilPong().stream().noneMatch(f -> "message".equals(f.getString("type"))),
        "delivery stopped");
  }

  @Test
  void theJavaClientJoinsWithAJoinTokenAndIsToldForbiddenWithout() {
    ChatClient alice = new ChatClient(first().clientVertx(), new ClientOptions().host("127.0.0.1")
        .port(first().port()).token(token("alice", null)));
    try {
      Await.result(alice.connect());
      Throwable refused = Await.failure(alice.join("group/vip"));
      assertEquals(ErrorCode.FORBIDDEN, ((ProtocolErrorException) refused).error().code());
      assertEquals("group/vip", Await.result(alice.join("group/vip",
          joinToken(SECRET, "alice", "group/vip", inAnHour()))).channel());
    } finally {
      Await.result(alice.shutdown());
    }
  }

  @Test
  void theMembershipApiAnswersBadIds400() {
    for (String path : List.of("/api/groups/no%20space/members/alice", "/api/groups/vip/members/a%2Fb",
        "/api/groups/vip/members?after=a%20b", "/api/users/no%20space/groups", "/api/groups/vip/members?limit=0")) {
      HttpResult result = first().api(path.contains("?") || path.startsWith("/api/users") ? HttpMethod.GET
          : HttpMethod.PUT, path, null);
      assertEquals(400, result.status(), path + " " + result.body());
    }
  }

  @Test
  void presenceOfOthersIsPrivateUnderTokenSignIn() {
    WsProbe alice = connect(first(), token("alice", null));
    for (String channel : List.of("user/bob", "broadcast")) {
      alice.send(new JsonObject().put("type", "presence").put("ref", 1).put("channel", channel));
      assertEquals("forbidden", alice.next("presence", "error").getString("code"), channel);
    }
    alice.send(new JsonObject().put("type", "presence").put("ref", 2).put("channel", "user/alice"));
    assertEquals(new JsonArray().add("alice"), alice.next("presence").getJsonArray("online"));
  }
}
