package chat.gateway.transport;

import static chat.gateway.transport.ClientConnection.oldestUnansweredPing;
import static chat.gateway.transport.ClientConnection.silentTooLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When a connection's silence ends it (close 1001): times in ms on the hub's responsive clock, heartbeat 1 s. */
class HeartbeatDeadlineTest {
  private static final long HEARTBEAT = 1000;

  @Test
  void aPeerThatAnswersALatePingWithinAHeartbeatIsNotTakenForDead() {
    // the last pong came at 1000; the next ping was due at 2000 but went out at 2750 (a tick and a pacing slice late)
    long lastRead = 1000;
    long pinged = oldestUnansweredPing(0, lastRead, 2750);
    assertEquals(2750, pinged);
    assertFalse(silentTooLong(3000, lastRead, pinged, HEARTBEAT), "two heartbeats of silence, but the ping is new");
    assertFalse(silentTooLong(3749, lastRead, pinged, HEARTBEAT));
    assertTrue(silentTooLong(3750, lastRead, pinged, HEARTBEAT), "a whole heartbeat unanswered");
  }

  @Test
  void aSilentPeerIsTakenForDeadHoweverLateEachOfItsPingsWent() {
    // read at 0; pings went out at 1100 and 2300 (each a little late) and none was answered: the first one counts
    long pinged = oldestUnansweredPing(0, 0, 1100);
    pinged = oldestUnansweredPing(pinged, 0, 2300);
    assertEquals(1100, pinged);
    assertFalse(silentTooLong(2099, 0, pinged, HEARTBEAT));
    assertTrue(silentTooLong(2100, 0, pinged, HEARTBEAT));
  }

  @Test
  void aReadAnswersEveryPingBeforeIt() {
    long pinged = oldestUnansweredPing(0, 0, 1100);
    long lastRead = 1200;
    assertEquals(3300, oldestUnansweredPing(pinged, lastRead, 3300), "the next ping after a read is the oldest again");
  }

  @Test
  void aSilentPeerPingedOnTimeIsTakenForDeadAtTwoHeartbeats() {
    assertFalse(silentTooLong(1999, 0, 1000, HEARTBEAT));
    assertTrue(silentTooLong(2000, 0, 1000, HEARTBEAT));
  }

  @Test
  void aPeerTheNodeCouldNotPingIsStillTakenForDeadAtTwoHeartbeats() {
    // nothing written since the last read (the socket would not take the ping): silence alone counts
    assertFalse(silentTooLong(1999, 0, 0, HEARTBEAT));
    assertTrue(silentTooLong(2000, 0, 0, HEARTBEAT));
    assertTrue(silentTooLong(2500, 500, 400, HEARTBEAT));
  }
}
