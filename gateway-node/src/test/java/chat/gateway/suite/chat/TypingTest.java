package chat.gateway.suite.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.OneNode;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Version 1.1, "Chat features", typing: told to the other members of a group (not the typer's own sessions), to the
 * other party of a direct conversation under {@code user/{typer}}; never stored or acknowledged; at most once per 2 s
 * per session and channel; refused where the user may not send. Embedded here; on Redis and a cluster in the
 * subclasses (through pub/sub only).
 */
class TypingTest extends OneNode {

  private static JsonObject typing(String channel) {
    return new JsonObject().put("type", "typing").put("channel", channel);
  }


  /** Frames up to a pong, the pong left out: what arrived before a ping's answer. */
  private static List<String> typesBeforePong(WsProbe ws) {
    return ws.drainUntilPong().stream().map(f -> f.getString("type")).filter(t -> !t.equals("pong")).toList();
  }

  @Test
  void aGroupsOtherMembersSeeWhoIsTypingAndTheTypersOwnSessionsDoNot() {
    WsProbe alice = node.member("alice", "group/dev");
    WsProbe alicePhone = node.connected("alice", "phone");
    WsProbe bob = node.member("bob", "group/dev");
    bob.next("member"); // bob's own join
    alice.send(typing("group/dev"));
    JsonObject seen = bob.next("typing");
    assertEquals(new JsonObject().put("type", "typing").put("channel", "group/dev").put("user", "alice"), seen);
    alice.send(new JsonObject().put("type", "ping"));
    assertTrue(typesBeforePong(alice).stream().noneMatch(t -> t.equals("typing") || t.equals("ack")),
        "no answer to the typer, and not told its own typing");
    alicePhone.send(new JsonObject().put("type", "ping"));
    assertTrue(typesBeforePong(alicePhone).stream().noneMatch(t -> t.equals("typing")), "nor its other sessions");
  }

  @Test
  void inADirectConversationTheOtherPartySeesItUnderTheTypersName() {
    WsProbe alice = node.connected("alice");
    WsProbe bob = node.connected("bob");
    alice.send(typing("user/bob"));
    assertEquals(new JsonObject().put("type", "typing").put("channel", "user/alice").put("user", "alice"),
        bob.next("typing"));
  }

  @Test
  void oneForwardPerSessionAndChannelEveryTwoSeconds() {
    WsProbe alice = node.member("alice", "group/dev");
    WsProbe bob = node.member("bob", "group/dev");
    bob.next("member");
    for (int i = 0; i < 5; i++) {
      alice.send(typing("group/dev"));
    }
    alice.send(typing("user/bob")); // another channel: its own allowance
    alice.send(new JsonObject().put("type", "ping"));
    alice.drainUntilPong(); // every frame before the ping was handled
    String metrics = node.management(HttpMethod.GET, "/metrics").body();
    assertTrue(metrics.contains("chat_typing_frames_total{result=\"forwarded\"} 2.0"), metrics);
    assertTrue(metrics.contains("chat_typing_frames_total{result=\"dropped\"} 4.0"), metrics);
    // two topics: either may come first
    assertEquals(java.util.Set.of("group/dev", "user/alice"),
        java.util.Set.of(bob.next("typing").getString("channel"), bob.next("typing").getString("channel")));
  }

  @Test
  void typingWhereTheUserMayNotSendIsForbidden() {
    WsProbe carol = node.connected("carol");
    carol.send(typing("group/dev"));
    assertEquals("forbidden", carol.next("error").getString("code"), "not a member");
    carol.send(typing("broadcast"));
    assertEquals("forbidden", carol.next("error").getString("code"));
    carol.send(typing("user/carol"));
    assertEquals("forbidden", carol.next("error").getString("code"), "not to oneself");
    carol.send(new JsonObject().put("type", "typing"));
    assertEquals("bad_request", carol.next("error").getString("code"), "no channel");
  }
}
