package chat.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fast path reads exactly what the full decode would, and steps aside for anything else. */
class FastFramesTest {
  private final FastFrames reader = new FastFrames();

  @Test
  void readsTheGatewaysMessageFramesAndOurBodies() {
    String body = new JsonObject().put("s", 12).put("n", 345).put("t", 1733000000123456L).encode();
    Buffer frame = Buffer.buffer("{\"type\":\"message\",\"channel\":\"group/lt1g0\",\"id\":\"x1\",\"position\":\"ep.17-3\","
        + "\"from\":\"u\",\"to\":\"group/lt1g0\",\"ts\":1,\"body\":" + body + "}");
    assertTrue(reader.message(frame));
    assertEquals(List.of("group/lt1g0", "ep.17-3", 12L, 345L, 1733000000123456L),
        List.of(frame.getString(reader.channelStart, reader.channelEnd),
            frame.getString(reader.positionStart, reader.positionEnd), reader.sender, reader.n, reader.due));
    assertTrue(reader.body(Buffer.buffer(new JsonObject().put("s", -1).put("n", 0).put("t", 7).encode()), 0));
    assertEquals(List.of(-1L, 0L, 7L), List.of(reader.sender, reader.n, reader.due));
  }

  @Test
  void leavesOtherFramesToTheFullDecode() {
    assertFalse(reader.message(Buffer.buffer("{\"type\":\"ack\",\"seq\":1}")));
    assertFalse(reader.message(Buffer.buffer("{\"type\":\"message\",\"channel\":\"group/g\",\"id\":\"x\","
        + "\"position\":\"e.1-0\",\"from\":\"u\",\"to\":\"group/g\",\"ts\":1,\"body\":\"from the API\"}")));
    assertFalse(reader.message(Buffer.buffer("{\"type\":\"message\",\"channel\":\"group/g")), "cut short");
    assertFalse(reader.body(Buffer.buffer("{\"n\":1,\"s\":2,\"t\":3}"), 0));
    assertFalse(reader.body(Buffer.buffer("{\"s\":1,\"n\":x,\"t\":3}"), 0));
    assertFalse(reader.body(Buffer.buffer("{\"s\":1,\"n\":2,\"t\":3"), 0), "no closing brace");
    assertFalse(reader.body(Buffer.buffer("{\"s\":1,\"n\":12345678901234567890,\"t\":3}"), 0), "more than a long");
  }
}
