package chat.gateway.suite.messaging;

import static chat.gateway.testing.Frames.join;
import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.OnRedis;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A {@code joined} answer's head on a node that already receives the group is where the node stands in it, not a
 * read of the store: the joiner still gets every message after it, once and in order, and none at or before it,
 * while another node's member keeps sending. And a session's start reads where its user's channel stands with its
 * registration, not in a read of its own.
 */
@ExtendWith(OnRedis.class)
class JoinHeadTest {
  private static final int SENDS = 300;
  private static final Pattern HEAD_READS =
      Pattern.compile("chat_redis_command_seconds_count\\{command=\"head\",result=\"ok\"} ([0-9.]+)");
  private TestNode a;
  private TestNode b;

  @BeforeEach
  void start() {
    String prefix = TestNode.newPrefix();
    a = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-a");
    b = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-b", "RATE_LIMIT_PER_SECOND", "1000",
        "RATE_LIMIT_BURST", "1000");
  }

  @AfterEach
  void stop() {
    b.close();
    a.close();
  }

  private double headReads(TestNode node) {
    Matcher m = HEAD_READS.matcher(node.management(HttpMethod.GET, "/metrics").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void aJoinToAGroupTheNodeReceivesReadsNoHeadFromTheStore() {
    WsProbe bob = a.member("bob", "group/dev");
    WsProbe carol = b.member("carol", "group/dev");
    carol.send(send(1, "group/dev", "hello"));
    String position = carol.next("ack").getString("position");
    assertEquals(position, bob.next("message").getString("position"), "node a has handed out the message");

    WsProbe alice = a.connected("alice");
    double before = headReads(a);
    JsonObject joined = alice.send(join(1, "group/dev")).next("joined");

    assertEquals(position, joined.getString("position"), "where the group stands");
    assertEquals(before, headReads(a), "no head read for the join");
  }

  @Test
  void aSessionsStartReadsNoHeadOfItsUsersChannelOnItsOwn() {
    a.connected("zed"); // the node's first session: it starts receiving broadcasts, whose start it reads
    Await.until("the node has read where broadcasts stand", () -> headReads(a) >= 1);
    double before = headReads(a);
    WsProbe alice = a.connected("alice");
    WsProbe bob = a.connected("bob");
    alice.send(send(1, "user/bob", "hi"));
    assertEquals("ack", alice.next("ack", "error").getString("type"));
    assertEquals("hi", bob.next("message").getString("body"));
    assertEquals(before, headReads(a), "the users' channels' heads came with their registrations");
  }

  @Test
  void aJoinWhileAnotherNodesMemberSendsGetsEveryMessageAfterItsHeadOnceAndNothingBefore() {
    WsProbe bob = a.connected("bob");
    String start = bob.send(join(1, "group/busy")).next("joined").getString("position");
    WsProbe carol = b.member("carol", "group/busy");

    // carol's sends go out back to back; alice joins on node a half way through
    for (int i = 0; i < SENDS / 2; i++) {
      carol.send(send(i + 1, "group/busy", "m" + i));
    }
    WsProbe alice = a.connected("alice");
    alice.send(join(1, "group/busy"));
    for (int i = SENDS / 2; i < SENDS; i++) {
      carol.send(send(i + 1, "group/busy", "m" + i));
    }
    String[] bySeq = new String[SENDS]; // acks may come in any order; positions follow the sends'
    for (int i = 0; i < SENDS; i++) {
      JsonObject ack = carol.next("ack");
      bySeq[(int) (ack.getLong("seq") - 1)] = ack.getString("position");
    }
    List<String> positions = List.of(bySeq);
    String head = alice.next("joined").getString("position");
    int after = head.equals(start) ? 0 : positions.indexOf(head) + 1;
    assertTrue(after > 0 || head.equals(start), "the head is the group's start or one of its messages: " + head);

    List<String> received = new ArrayList<>();
    for (int i = after; i < SENDS; i++) {
      received.add(alice.next("message").getString("body"));
    }
    List<String> expected = new ArrayList<>();
    for (int i = after; i < SENDS; i++) {
      expected.add("m" + i);
    }
    assertEquals(expected, received, "every message after the head, once and in order");
    assertTrue(alice.drainUntilPong().stream().noneMatch(f -> "message".equals(f.getString("type"))),
        "nothing more: nothing at or before the head came");
  }
}
