package chat.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.message.MessageFrames;
import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import chat.gateway.message.StoredMessage;
import chat.gateway.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node's table of listeners per channel: subscriptions at the broker, order of delivery, and gap repair. */
class LocalFanoutTest {
  private final Vertx vertx = Vertx.vertx();
  private final LocalFanout fanout = new LocalFanout();
  private final List<List<String>> subscribed = new CopyOnWriteArrayList<>();
  private final List<List<String>> unsubscribed = new CopyOnWriteArrayList<>();
  private Promise<Void> broker = Promise.promise();

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  /** A listener on an event loop of its own, recording the positions (or kinds) of what it gets. */
  private final class Listener implements ChannelListener {
    final Context context = vertx.getOrCreateContext();
    final List<String> got = new CopyOnWriteArrayList<>();

    @Override
    public Context context() {
      return context;
    }

    @Override
    public void deliver(Event event) {
      got.add(event instanceof Event.Message m ? m.message().position().wire() : event.getClass().getSimpleName());
    }
  }

  private void bind() {
    fanout.bind(new Broker() {
      @Override
      public Future<Void> subscribe(List<String> channels) {
        subscribed.add(channels);
        return broker.future();
      }

      @Override
      public Future<Void> unsubscribe(List<String> channels) {
        unsubscribed.add(channels);
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> publish(Event.Signal signal) {
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> requestDrain(String nodeId) {
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> requestShed(String nodeId, int connections) {
        return Future.succeededFuture();
      }

      @Override
      public boolean healthy() {
        return true;
      }

      @Override
      public Future<Void> close() {
        return Future.succeededFuture();
      }
    });
  }

  private static Event.Message message(String channel, long n) {
    Position position = new Position("e", n, 0);
    return new Event.Message(new StoredMessage(channel, "id" + n, position, "alice", channel, 0,
        MessageFrames.encode(channel, "id" + n, position, "alice", channel, 0, "\"hi\"")));
  }

  @Test
  void theFirstListenerSubscribesTheNodeTheLastUnsubscribesItNewOnesTogether() {
    bind();
    Listener a = new Listener();
    Listener b = new Listener();
    Future<Void> first = fanout.addAll(List.of("group/x", "group/y"), a);
    assertFalse(first.isComplete(), "not until the broker delivers them");
    Future<Void> second = fanout.add("group/x", b);
    assertEquals(List.of(List.of("group/x", "group/y")), subscribed, "one command for both, none for b");
    broker.complete();
    Await.result(first);
    Await.result(second);
    assertTrue(fanout.watching("group/x"));

    fanout.remove("group/x", a);
    assertEquals(List.of(), unsubscribed, "b still wants it");
    fanout.removeAll(List.of("group/x", "group/y"), b);
    fanout.remove("group/y", a);
    assertEquals(List.of(List.of("group/x"), List.of("group/y")), unsubscribed);
    assertFalse(fanout.watching("group/x"));
  }

  @Test
  void eventsReachEveryListenerInTheOrderDispatchedAndOnlyTheirChannels() {
    bind();
    broker.complete();
    Listener a = new Listener();
    Listener b = new Listener();
    Await.result(fanout.add("group/x", a));
    Await.result(fanout.add("group/x", b));
    Await.result(fanout.add("group/y", b));
    for (long n = 1; n <= 100; n++) {
      fanout.dispatch(message("group/x", n));
    }
    fanout.dispatch(message("group/y", 1));
    fanout.dispatch(message("group/z", 1));
    Await.until("both got all", () -> a.got.size() == 100 && b.got.size() == 101);
    List<String> expected = new ArrayList<>();
    for (long n = 1; n <= 100; n++) {
      expected.add("e." + n + "-0");
    }
    assertEquals(expected, a.got);
    assertEquals(expected, b.got.subList(0, 100));
    assertEquals(new Position("e", 100, 0), fanout.delivered("group/x"));
  }

  @Test
  void aRepairHandsOutWhatHistoryHadThenWhatWasHeldLessRepeats() {
    bind();
    broker.complete();
    Listener a = new Listener();
    Await.result(fanout.add("group/x", a));
    fanout.dispatch(message("group/x", 1));
    Await.until("the first", () -> a.got.size() == 1);

    fanout.hold(List.of("group/x"));
    fanout.dispatch(message("group/x", 3)); // live again while the gap (2) is read: held
    fanout.dispatch(message("group/x", 4));
    assertEquals(List.of("group/x"), fanout.holding());
    fanout.repaired("group/x", new Replay(true, List.of(message("group/x", 2).message(), message("group/x", 3).message()), false),
        new Event.Unrecovered("group/x"));
    Await.until("the rest", () -> a.got.size() == 4);
    assertEquals(List.of("e.1-0", "e.2-0", "e.3-0", "e.4-0"), a.got, "3 came twice and went out once");
    assertEquals(List.of(), fanout.holding());
  }

  @Test
  void anUnrecoverableGapIsToldThenLiveEventsGoOn() {
    bind();
    broker.complete();
    Listener a = new Listener();
    Await.result(fanout.add("group/x", a));
    fanout.hold(List.of("group/x"));
    fanout.dispatch(message("group/x", 9));
    fanout.repaired("group/x", Replay.NOT_RECOVERED, new Event.Unrecovered("group/x"));
    Await.until("notice and message", () -> a.got.size() == 2);
    assertEquals(List.of("Unrecovered", "e.9-0"), a.got);
  }

  @Test
  void aChannelNobodyWantsKeepsNothing() {
    bind();
    broker.complete();
    fanout.startAt("group/none", new Position("e", 5, 0));
    assertNull(fanout.delivered("group/none"));
    fanout.hold(List.of("group/none"));
    assertEquals(List.of(), fanout.holding());
  }
}
