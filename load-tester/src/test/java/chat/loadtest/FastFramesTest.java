package chat.loadtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The fast path reads exactly what the full decode would, and steps aside for anything else. */
class FastFramesTest {

  @Test
  void readsTheGatewaysMessageFramesAndOurBodies() {
    String body = new JsonObject().put("s", 12).put("n", 345).put("t", 1733000000123456L).encode();
    String frame = "{\"type\":\"message\",\"channel\":\"group/lt1g0\",\"id\":\"x1\",\"position\":\"ep.17-3\","
        + "\"from\":\"u\",\"to\":\"group/lt1g0\",\"ts\":1,\"body\":" + body + "}";
    FastFrames.Delivery d = FastFrames.message(frame);
    assertEquals(new FastFrames.Delivery("group/lt1g0", "ep.17-3", 12, 345, 1733000000123456L), d);
    assertArrayEquals(new long[] {12, 345, 1733000000123456L}, FastFrames.body(body, 0));
  }

  @Test
  void leavesOtherFramesToTheFullDecode() {
    assertNull(FastFrames.message("{\"type\":\"ack\",\"seq\":1}"));
    assertNull(FastFrames.message("{\"type\":\"message\",\"channel\":\"group/g\",\"id\":\"x\",\"position\":\"e.1-0\","
        + "\"from\":\"u\",\"to\":\"group/g\",\"ts\":1,\"body\":\"from the API\"}"));
    assertNull(FastFrames.body("{\"n\":1,\"s\":2,\"t\":3}", 0));
    assertNull(FastFrames.body("{\"s\":1,\"n\":x,\"t\":3}", 0));
  }
}
