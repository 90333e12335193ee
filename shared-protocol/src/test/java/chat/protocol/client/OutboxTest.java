package chat.protocol.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.protocol.Channel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The order in which a client writes its sends, with timers the test fires by hand. */
class OutboxTest {
  private static final Channel DEV = Channel.parse("group/dev");
  private static final Channel OPS = Channel.parse("group/ops");

  private final Map<Long, Runnable> timers = new LinkedHashMap<>();
  private final List<Long> delays = new ArrayList<>();
  private long nextTimer;
  private long now;
  private final Outbox outbox = new Outbox(new Outbox.Timers() {
    @Override
    public long now() {
      return now;
    }

    @Override
    public long set(long delayMs, Runnable action) {
      delays.add(delayMs);
      timers.put(++nextTimer, action);
      return nextTimer;
    }

    @Override
    public void cancel(long id) {
      timers.remove(id);
    }
  });
  private final List<String> written = new ArrayList<>();

  private void fireTimers() {
    List<Runnable> due = new ArrayList<>(timers.values());
    timers.clear();
    due.forEach(Runnable::run);
  }

  private void add(long seq, Channel channel) {
    outbox.add(seq, channel, channel.id() + ":" + seq);
  }

  @Test
  void sendsArePipelinedWhileNothingIsRefused() {
    add(1, DEV);
    assertEquals(List.of(), written, "nothing is written before connecting");
    outbox.connected(written::add);
    add(2, DEV);
    add(3, OPS);
    assertEquals(List.of("dev:1", "dev:2", "ops:3"), written);
    assertTrue(outbox.acked(2));
    assertFalse(outbox.acked(2), "an ack is taken once");
    assertEquals(List.of(1L, 3L), outbox.seqs());
  }

  @Test
  void aRetryIsNeverOvertakenBySendsMadeAfterTheRefusal() {
    outbox.connected(written::add);
    add(1, DEV);
    add(2, DEV);
    assertTrue(outbox.refused(1, true));
    assertTrue(outbox.acked(2), "written before the refusal came: stored before the retry");
    add(3, DEV);
    add(4, DEV);
    add(5, OPS);
    assertEquals(List.of("dev:1", "dev:2", "ops:5"), written, "group/dev is held, group/ops is not");
    fireTimers();
    assertEquals("dev:1", written.get(written.size() - 1), "the retry goes first, alone");
    assertTrue(outbox.refused(1, true));
    fireTimers();
    assertTrue(delays.get(0) <= 250 && delays.get(1) >= 250, "the delay grows: " + delays);
    assertEquals(List.of("dev:1", "dev:2", "ops:5", "dev:1", "dev:1"), written);
    outbox.acked(1);
    assertEquals("dev:3", written.get(written.size() - 1), "one at a time after the retry's ack");
    outbox.acked(3);
    assertEquals("dev:4", written.get(written.size() - 1));
    outbox.acked(4);
    add(6, DEV);
    assertEquals("dev:6", written.get(written.size() - 1), "free again: written at once");
    assertEquals(8, written.size());
  }

  @Test
  void aFinalRefusalForgetsTheSendAndHoldsNothing() {
    outbox.connected(written::add);
    add(1, DEV);
    assertTrue(outbox.refused(1, false));
    assertFalse(outbox.refused(1, false));
    add(2, DEV);
    assertEquals(List.of("dev:1", "dev:2"), written);
    assertTrue(timers.isEmpty());
  }

  @Test
  void aReconnectLiftsHoldsAndWritesEveryUnackedSendAgainInOrder() {
    outbox.connected(written::add);
    add(1, DEV);
    add(2, OPS);
    outbox.refused(1, true);
    add(3, DEV);
    outbox.disconnected();
    assertTrue(timers.isEmpty(), "the retry timer went with the connection");
    add(4, DEV);
    List<String> again = new ArrayList<>();
    outbox.connected(again::add);
    assertEquals(List.of("dev:1", "ops:2", "dev:3", "dev:4"), again);
    assertEquals(4, outbox.size());
  }

  @Test
  void aResentBacklogIsWrittenWithinTheNodesStatedRate() {
    for (long seq = 1; seq <= 10; seq++) {
      add(seq, DEV);
    }
    outbox.pace(10, 5); // the node's rate: 10 a second, 5 at once; the sends take 80 %: 8 a second, 4 at once
    outbox.connected(written::add);
    assertEquals(List.of("dev:1", "dev:2", "dev:3", "dev:4"), written, "a burst, not the whole backlog");
    assertEquals(List.of(125L), delays, "the next when a token is back");
    now += 125;
    fireTimers();
    assertEquals(5, written.size());
    now += 500; // four more tokens
    fireTimers();
    assertEquals(9, written.size());
    add(11, DEV); // a new send waits its turn behind the backlog
    assertEquals(9, written.size());
    now += 250;
    fireTimers();
    assertEquals(List.of("dev:10", "dev:11"), written.subList(9, 11), "in seq order");
    outbox.disconnected();
    assertTrue(timers.isEmpty(), "nothing left to fire after a disconnect");
  }
}
