package chat.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import org.junit.jupiter.api.Test;

/** Text messages come out whole, whether in one frame or several; other frames are passed over. */
class TextMessagesTest {
  private final TextMessages messages = new TextMessages();

  @Test
  void aMessageInOneFrameIsPassedOn() {
    assertEquals("{\"a\":1}", messages.add(WebSocketFrame.textFrame("{\"a\":1}", true)).toString());
  }

  @Test
  void aMessageInSeveralFramesIsJoined() {
    assertNull(messages.add(WebSocketFrame.textFrame("{\"a\":", false)));
    assertNull(messages.add(WebSocketFrame.pingFrame(Buffer.buffer("p"))), "a ping between fragments");
    assertNull(messages.add(WebSocketFrame.continuationFrame(Buffer.buffer("12"), false)));
    assertEquals("{\"a\":123}", messages.add(WebSocketFrame.continuationFrame(Buffer.buffer("3}"), true)).toString());
    assertEquals("next", messages.add(WebSocketFrame.textFrame("next", true)).toString());
  }

  @Test
  void binaryMessagesAndTheirContinuationsArePassedOver() {
    assertNull(messages.add(WebSocketFrame.binaryFrame(Buffer.buffer("b"), false)));
    assertNull(messages.add(WebSocketFrame.continuationFrame(Buffer.buffer("b"), true)));
    assertEquals("t", messages.add(WebSocketFrame.textFrame("t", true)).toString());
  }

  @Test
  void aMessageTooBigIsRefusedAndTheNextOneReadAgain() {
    messages.add(WebSocketFrame.textFrame("x".repeat(TextMessages.MAX_BYTES), false));
    assertThrows(IllegalStateException.class, () -> messages.add(WebSocketFrame.continuationFrame(Buffer.buffer("y"), false)));
    assertNull(messages.add(WebSocketFrame.continuationFrame(Buffer.buffer("z"), true)), "the rest of the refused one");
    assertEquals("ok", messages.add(WebSocketFrame.textFrame("ok", true)).toString());
  }
}
