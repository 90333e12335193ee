package chat.gateway.suite.faults;

import static chat.gateway.testing.Frames.join;
import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.history.Appended;
import chat.gateway.history.Draft;
import chat.gateway.history.HistoryStore;
import chat.gateway.history.Page;
import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import chat.gateway.testing.ForwardingHistory;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A store that cannot promise gets "unavailable" and no ack; a bug gets "internal"; nothing acked is lost. */
class FailuresTest {

  /** Delegates to the real store, failing appends while {@code down} and history pages with a bug. */
  private static final class FlakyHistory extends ForwardingHistory {
    final AtomicBoolean down = new AtomicBoolean();

    FlakyHistory(HistoryStore real) {
      super(real);
    }

    @Override
    public Future<Appended> append(Draft draft) {
      return down.get() ? Future.failedFuture(new IOException("connection refused")) : real.append(draft);
    }

    @Override
    public Future<Page> page(String channel, Position before, int limit, int maxBytes) {
      throw new IllegalStateException("a bug in the store");
    }
  }

  @Test
  void aStoreOutageIsUnavailableWithoutAckAndTheResendSucceedsLater() {
    FlakyHistory[] flaky = new FlakyHistory[1];
    try (TestNode node = TestNode.start(Clock.systemUTC(), b -> b.withHistory(flaky[0] = new FlakyHistory(b.history())))) {
      WsProbe alice = node.connected("alice");
      WsProbe bob = node.connected("bob");
      flaky[0].down.set(true);
      alice.send(send(1, "user/bob", "during the outage"));
      JsonObject error = alice.next();
      assertEquals("error", error.getString("type"));
      assertEquals("unavailable", error.getString("code"));
      assertEquals(1, error.getLong("seq"));
      assertTrue(error.getBoolean("temporary"));

      flaky[0].down.set(false);
      alice.send(send(1, "user/bob", "during the outage"));
      JsonObject ack = alice.next("ack");
      assertEquals(1, ack.getLong("seq"));
      JsonObject message = bob.next("message");
      assertEquals(ack.getString("id"), message.getString("id"));
      assertTrue(bob.drainUntilPong().stream().noneMatch(f -> "message".equals(f.getString("type"))),
          "the failed attempt delivered nothing");
    }
  }

  /** A store whose reads time out: how a busy or unreachable Redis looks from the node. */
  private static final class TimingOutReads extends ForwardingHistory {
    TimingOutReads(HistoryStore real) {
      super(real);
    }

    @Override
    public Future<Position> head(String channel) {
      return Future.failedFuture(new IOException("Redis did not answer within 5000 ms"));
    }

    @Override
    public Future<Replay> since(String channel, Position after, int maxBytes) {
      return Future.failedFuture(new IOException("Redis did not answer within 5000 ms"));
    }
  }

  @Test
  void aTimedOutReadIsUnavailableWithTheRequestsRefAndAConnectThatCannotFinishIsClosedWith4100() {
    try (TestNode node = TestNode.start(Clock.systemUTC(), b -> b.withHistory(new TimingOutReads(b.history())))) {
      WsProbe alice = node.connected("alice");
      alice.send(join(7, "group/dev"));
      JsonObject error = alice.next("joined", "error");
      assertEquals("error", error.getString("type"), "no joined without the group's position");
      assertEquals("unavailable", error.getString("code"));
      assertEquals(7, error.getLong("ref"));
      assertTrue(error.getBoolean("temporary"));

      alice.send(send(1, "user/alice", "a note to self"));
      String position = alice.next("ack").getString("position");
      WsProbe again = node.probe();
      again.send(new JsonObject().put("type", "connect").put("user", "alice")
          .put("resume", new JsonObject().put("user/alice", position)));
      JsonObject refused = again.next();
      assertEquals("unavailable", refused.getString("code"), refused.encode());
      assertEquals(4100, again.closeCode(), "reconnect (elsewhere, or here later), not back off as from a bug");
    }
  }

  @Test
  void anUnexpectedFailureIsInternalAndTheConnectionStays() {
    try (TestNode node = TestNode.start(Clock.systemUTC(), b -> b.withHistory(new FlakyHistory(b.history())))) {
      WsProbe alice = node.connected("alice");
      alice.send("{\"type\":\"history\",\"ref\":3,\"channel\":\"user/alice\"}");
      JsonObject error = alice.next();
      assertEquals("internal", error.getString("code"));
      assertEquals(3, error.getLong("ref"));
      alice.send("{\"type\":\"ping\"}");
      assertEquals("pong", alice.next().getString("type"));
    }
  }
}
