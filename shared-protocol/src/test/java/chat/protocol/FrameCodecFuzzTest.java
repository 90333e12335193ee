package chat.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

/** Thousands of hostile frames: each decodes or is refused with bad_request; no other exception escapes. */
class FrameCodecFuzzTest {

  @Test
  void everyFrameIsAcceptedOrRefusedAsBadRequest() {
    int accepted = 0;
    int refused = 0;
    for (long seed = 1; seed <= 4; seed++) {
      FrameFuzzer fuzzer = new FrameFuzzer(seed);
      for (int i = 0; i < 5000; i++) {
        String text = fuzzer.next();
        try {
          FrameCodec.decodeClient(text);
          accepted++;
        } catch (ProtocolException e) {
          assertEquals(ErrorCode.BAD_REQUEST, e.code(), text);
          refused++;
        } catch (RuntimeException | StackOverflowError e) {
          fail("seed " + seed + " frame " + i + " escaped with " + e + ": " + text);
        }
      }
    }
    assertEquals(20_000, accepted + refused);
    assertTrue(accepted > 2000 && refused > 2000, "the fuzzer exercises both paths: " + accepted + "/" + refused);
  }
}
