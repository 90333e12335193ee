package chat.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Positions compare as numbers within an epoch, per channel, read in place from a frame's bytes. */
class PositionsTest {
  private final Positions positions = new Positions();

  /** As a delivery does it: the channel and position where they stand in a frame. */
  private boolean deliver(String channel, String position) {
    Buffer frame = Buffer.buffer("{\"channel\":\"" + channel + "\",\"position\":\"" + position + "\"}");
    int channelStart = 12;
    int positionStart = channelStart + channel.length() + 14;
    return positions.advance(frame, channelStart, channelStart + channel.length(), positionStart,
        positionStart + position.length());
  }

  @Test
  void positionsCompareWithinAnEpoch() {
    assertTrue(deliver("group/a", "k2x9f.1044-0"), "the first of a channel");
    assertTrue(deliver("group/a", "k2x9f.1044-1"));
    assertTrue(deliver("group/a", "k2x9f.1045-0"));
    assertFalse(deliver("group/a", "k2x9f.1045-0"), "the same again");
    assertFalse(deliver("group/a", "k2x9f.99-0"), "numbers, not text");
    assertTrue(deliver("group/a", "k2x9f.1000-10"));
    assertTrue(deliver("group/a", "new.1-0"), "a new epoch starts the order again");
    assertTrue(deliver("group/a", "k2x9g.1-0"), "an epoch of the same length is still another");
    assertFalse(deliver("group/a", "k2x9g.0-5"));
  }

  @Test
  void eachChannelHasItsOwnOrderAndIsWhatAResumeSends() {
    assertTrue(deliver("group/a", "e.10-0"));
    assertTrue(deliver("user/u1", "e.3-0"), "another channel's order is its own");
    assertTrue(positions.advance("group/a", "e.11-0"), "a message the full decode read");
    assertFalse(deliver("group/a", "e.11-0"));
    assertEquals(Map.of("group/a", "e.11-0", "user/u1", "e.3-0"), positions.resume());
    positions.forget("group/a");
    assertEquals(Map.of("user/u1", "e.3-0"), positions.resume());
    assertTrue(deliver("group/a", "e.2-0"), "forgotten: the order starts again");
  }

  @Test
  void anotherShapeIsKeptWholeAndNotCompared() {
    assertTrue(deliver("group/a", "opaque"));
    assertTrue(deliver("group/a", "opaque"));
    assertEquals(Map.of("group/a", "opaque"), positions.resume());
    assertTrue(deliver("group/a", "e.1-x"));
    assertEquals(Map.of("group/a", "e.1-x"), positions.resume());
  }
}
