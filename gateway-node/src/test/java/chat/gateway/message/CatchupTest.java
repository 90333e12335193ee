package chat.gateway.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge of history with live traffic: every message once, in order, no gap. */
class CatchupTest {
  private static final String CHANNEL = "group/dev";

  /** A live event: a message of CHANNEL at position (epoch, n), or a non-message (member event) when n < 0. */
  private record Live(String epoch, long n) {
    StoredMessage message() {
      return n < 0 ? null : message(epoch, n);
    }

    static StoredMessage message(String epoch, long n) {
      return new StoredMessage(CHANNEL, "m" + n, new Position(epoch, n, 0), "a", CHANNEL, 0, new byte[10]);
    }
  }

  private final Catchup<Live> catchup = new Catchup<>(Live::message, e -> 100);
  private final List<Long> delivered = new ArrayList<>();

  private void live(Live event) {
    if (!catchup.offer(CHANNEL, event) && catchup.fresh(event)) {
      delivered.add(event.n());
    }
  }

  private void replayed(String epoch, long... ns) {
    for (long n : ns) {
      delivered.add(n);
      catchup.floor(CHANNEL, Live.message(epoch, n).position());
    }
  }

  private void release() {
    catchup.release(CHANNEL).forEach(e -> {
      if (catchup.fresh(e)) {
        delivered.add(e.n());
      }
    });
  }

  @Test
  void liveMessagesThatArriveDuringTheReadAreHeldAndTheOnesTheHistoryCoveredAreDropped() {
    catchup.hold(CHANNEL);
    live(new Live("e", 4));
    live(new Live("e", 5));
    live(new Live("e", 6));
    assertEquals(List.of(), delivered, "nothing goes out before the history");
    assertEquals(300, catchup.heldBytes());
    replayed("e", 3, 4, 5);
    release();
    live(new Live("e", 7));
    assertEquals(List.of(3L, 4L, 5L, 6L, 7L), delivered);
    assertEquals(0, catchup.heldBytes());
    assertFalse(catchup.holdingAny());
  }

  @Test
  void aLiveRepeatThatArrivesAfterTheReleaseIsStillDroppedUntilTheFirstNewOne() {
    catchup.hold(CHANNEL);
    replayed("e", 1, 2, 3);
    release();
    live(new Live("e", 2));
    live(new Live("e", 3));
    live(new Live("e", 4));
    live(new Live("e", 3)); // past the floor now: the floor is lifted, nothing is compared any more
    assertEquals(List.of(1L, 2L, 3L, 4L, 3L), delivered);
  }

  @Test
  void nonMessagesKeepTheirPlaceAndAreNeverDropped() {
    catchup.hold(CHANNEL);
    live(new Live("e", -1));
    live(new Live("e", 2));
    replayed("e", 2);
    release();
    assertEquals(List.of(2L, -1L), delivered, "the history first, then the held member event");
  }

  @Test
  void anotherEpochIsNewHistoryAndPassesTheFloor() {
    catchup.floor(CHANNEL, new Position("old", 9, 0));
    live(new Live("new", 1));
    assertEquals(List.of(1L), delivered);
  }

  @Test
  void anUnrecoveredChannelDeliversEveryLiveMessage() {
    catchup.hold(CHANNEL);
    catchup.floor(CHANNEL, new Position("e", 5, 0));
    live(new Live("e", 3));
    catchup.clearFloor(CHANNEL);
    release();
    assertEquals(List.of(3L), delivered);
  }

  @Test
  void forgettingAChannelDropsWhatWasHeldForIt() {
    catchup.hold(CHANNEL);
    live(new Live("e", 1));
    assertTrue(catchup.holding(CHANNEL));
    catchup.forget(CHANNEL);
    assertFalse(catchup.holding(CHANNEL));
    assertEquals(0, catchup.heldBytes());
    live(new Live("e", 2));
    assertEquals(List.of(2L), delivered);
  }
}
