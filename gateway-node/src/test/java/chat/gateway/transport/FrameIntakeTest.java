package chat.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.protocol.ClientFrame;
import chat.protocol.CloseCode;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Frames in, within a connection's limits: rate, bad frames, sizes, and frames held while the session is not ready. */
class FrameIntakeTest {
  private final List<ClientFrame> handled = new ArrayList<>();
  private boolean waiting;

  private FrameIntake intake(TestSocket socket) {
    Outbound out = new Outbound(socket.socket, socket.context);
    return new FrameIntake(new FrameIntake.Handler() {
      @Override
      public boolean waiting() {
        return waiting;
      }

      @Override
      public void handle(ClientFrame frame) {
        handled.add(frame);
      }
    }, out, socket.context);
  }

  private static void in(FrameIntake intake, WebSocketFrame frame) {
    try {
      intake.frame(frame);
    } finally {
      frame.release(); // as WebSocketChannel does after the owner returns
    }
  }

  private static TextWebSocketFrame request(long ref) {
    return new TextWebSocketFrame(join(ref));
  }

  private static String join(long ref) {
    return "{\"type\":\"join\",\"ref\":" + ref + ",\"channel\":\"group/g\"}";
  }

  @Test
  void pastTheBurstFramesAreRefusedWithTheirRefAndAClientThatKeepsOnIsClosed() {
    TestSocket socket = new TestSocket("RATE_LIMIT_BURST", "3", "RATE_LIMIT_CLOSE_AFTER", "2");
    FrameIntake intake = intake(socket);
    for (int ref = 1; ref <= 3; ref++) {
      in(intake, request(ref));
    }
    assertEquals(3, handled.size());
    in(intake, request(4));
    List<JsonObject> answers = socket.written();
    assertEquals("rate_limited", answers.get(0).getString("code"));
    assertEquals(4L, answers.get(0).getLong("ref"), "the refusal names the frame it refuses");
    assertEquals(0, socket.closeCode());
    in(intake, request(5));
    assertEquals(CloseCode.RATE_LIMITED.code(), socket.closeCode());
    in(intake, request(6));
    assertEquals(3, handled.size(), "nothing is handled once closing");
  }

  @Test
  void pingsAndFragmentsCostTokensToo() {
    TestSocket socket = new TestSocket("RATE_LIMIT_BURST", "5", "RATE_LIMIT_CLOSE_AFTER", "3");
    FrameIntake intake = intake(socket);
    for (int i = 0; i < 5; i++) {
      in(intake, new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1})));
    }
    socket.channel.runPendingTasks();
    int pongs = 0;
    for (Object frame = socket.channel.readOutbound(); frame != null; frame = socket.channel.readOutbound()) {
      assertTrue(frame instanceof PongWebSocketFrame, "a ping is answered with a pong");
      ((WebSocketFrame) frame).release();
      pongs++;
    }
    assertEquals(5, pongs);
    for (int i = 0; i < 3; i++) {
      in(intake, new ContinuationWebSocketFrame(false, 0, Unpooled.EMPTY_BUFFER));
    }
    assertEquals(CloseCode.RATE_LIMITED.code(), socket.closeCode(), "free frames would cost the node plenty");
  }

  @Test
  void invalidFramesAreAnsweredAndTwentyInARowClose() {
    TestSocket socket = new TestSocket("RATE_LIMIT_BURST", "100");
    FrameIntake intake = intake(socket);
    in(intake, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2})));
    assertEquals("bad_request", socket.written().get(0).getString("code"));
    for (int i = 0; i < 18; i++) {
      in(intake, new TextWebSocketFrame("{\"type\":"));
    }
    in(intake, request(1)); // a valid frame resets the count
    for (int i = 0; i < 19; i++) {
      in(intake, new TextWebSocketFrame("not json"));
    }
    assertEquals(0, socket.closeCode());
    in(intake, new TextWebSocketFrame("not json"));
    assertEquals(CloseCode.PROTOCOL_ERROR.code(), socket.closeCode());
  }

  @Test
  void tooBigAndNotUtf8Close() {
    TestSocket big = new TestSocket("MAX_MESSAGE_BYTES", "1024");
    in(intake(big), new TextWebSocketFrame("x".repeat(2000)));
    assertEquals(CloseCode.TOO_BIG.code(), big.closeCode());

    TestSocket invalid = new TestSocket();
    in(intake(invalid), new TextWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {'"', (byte) 0xC3, '"'})));
    assertEquals(CloseCode.INVALID_TEXT.code(), invalid.closeCode());
  }

  @Test
  void framesWaitWhileTheSessionIsNotReadyAndFollowInOrder() {
    TestSocket socket = new TestSocket("RATE_LIMIT_BURST", "1000");
    FrameIntake intake = intake(socket);
    waiting = true;
    for (int ref = 1; ref <= 65; ref++) {
      in(intake, request(ref));
    }
    assertEquals(List.of(), handled);
    List<JsonObject> refused = socket.written();
    assertEquals(1, refused.size(), "64 wait, the 65th is refused");
    assertEquals("rate_limited", refused.get(0).getString("code"));
    waiting = false;
    intake.release();
    assertEquals(64, handled.size());
    for (int i = 0; i < 64; i++) {
      assertEquals(i + 1L, handled.get(i).ref());
    }
  }

  @Test
  void aMessageInFragmentsIsOneFrame() {
    TestSocket socket = new TestSocket();
    FrameIntake intake = intake(socket);
    byte[] json = join(7).getBytes(StandardCharsets.UTF_8);
    in(intake, new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(json, 0, 10)));
    in(intake, new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(json, 10, json.length - 10)));
    assertEquals(1, handled.size());
    assertEquals(7L, handled.get(0).ref());
  }
}
