package chat.gateway.transport;

import chat.protocol.ClientFrame;
import chat.protocol.CloseCode;
import chat.protocol.ErrorCode;
import chat.protocol.FrameCodec;
import chat.protocol.ProtocolException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.ArrayDeque;

/**
 * A connection's inbound side: WebSocket frames into client frames, within the per-connection limits. Every
 * frame costs a token of the rate limit (a whole message one, and so does each ping, pong or fragment: 5,000
 * of them would otherwise cost the client nothing and the node plenty); past the limit frames are answered
 * {@code rate_limited}, and closed with 4029 if the client keeps on. Messages too big close with 1009, invalid
 * UTF-8 with 1007, 20 invalid frames in a row with 1002. While the session is not ready to answer in order
 * (connecting, or writing the resume's replay), frames are held, up to 64, and handled afterwards.
 */
final class FrameIntake {
  private static final int BAD_FRAMES_BEFORE_CLOSE = 20;
  private static final int MAX_HELD = 64;

  /** Where decoded frames go. */
  interface Handler {
    /** True while frames must wait (the session is connecting, or its resume's replay is being written). */
    boolean waiting();

    void handle(ClientFrame frame);
  }

  private final Handler handler;
  private final Outbound out;
  private final TransportContext t;
  private final TokenBucket rate;
  private final MessageAssembler assembler;
  private int badFramesInRow;
  private int limitedInRow;
  /** Frames that came while {@link Handler#waiting}, in order; null when none. */
  private ArrayDeque<String> held;

  FrameIntake(Handler handler, Outbound out, TransportContext t) {
    this.handler = handler;
    this.out = out;
    this.t = t;
    this.rate = new TokenBucket(t.config().rateLimitPerSecond(), t.config().rateLimitBurst(), t.clock().millis());
    this.assembler = new MessageAssembler(t.config().maxMessageBytes());
  }

  void frame(WebSocketFrame frame) {
    if (out.closing()) {
      return;
    }
    boolean continuation = frame instanceof ContinuationWebSocketFrame;
    boolean data = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame || continuation;
    if ((!data || !frame.isFinalFragment() || continuation) && !chargeFrame()) {
      return;
    }
    if (!data) {
      if (frame instanceof PingWebSocketFrame ping) {
        out.pong(ping);
      }
      return;
    }
    switch (assembler.add(frame)) {
      case TOO_BIG -> out.close(CloseCode.TOO_BIG, "message too big: the limit is " + t.config().maxMessageBytes() + " bytes");
      case BINARY -> {
        t.metrics().frameIn("invalid");
        badFrame(new ProtocolException(ErrorCode.BAD_REQUEST, "binary frames are not accepted; send JSON text frames"));
      }
      case TEXT -> text(assembler.text());
      case INVALID_UTF8 -> {
        t.metrics().frameIn("invalid");
        out.close(CloseCode.INVALID_TEXT, "a text frame that is not UTF-8");
      }
      case INCOMPLETE -> { }
    }
  }

  /** Handles, in order, the frames that came while the session was not ready. */
  void release() {
    ArrayDeque<String> queued = held;
    held = null;
    if (queued != null) {
      queued.forEach(this::text);
    }
  }

  /** The connection closed: a message half assembled is let go. */
  void discard() {
    assembler.discard();
  }

  private void text(String text) {
    if (!rate.tryTake(t.clock().millis())) {
      rateLimited(text);
      return;
    }
    limitedInRow = 0;
    if (handler.waiting()) {
      hold(text);
      return;
    }
    ClientFrame frame;
    try {
      frame = FrameCodec.decodeClient(text);
    } catch (ProtocolException e) {
      t.metrics().frameIn("invalid");
      badFrame(e);
      return;
    }
    badFramesInRow = 0;
    handler.handle(frame);
  }

  /** Takes a rate-limit token for a frame that is not a whole message; false (and maybe a close) if none. */
  private boolean chargeFrame() {
    if (rate.tryTake(t.clock().millis())) {
      return true;
    }
    limitedTooLong();
    return false;
  }

  private void rateLimited(String text) {
    Long ref;
    Long seq;
    try {
      ClientFrame frame = FrameCodec.decodeClient(text);
      ref = frame.ref();
      seq = frame.seqOrNull();
    } catch (ProtocolException e) {
      ref = e.ref();
      seq = e.seq();
    }
    out.error(new ProtocolException(ErrorCode.RATE_LIMITED, "too many frames; slow down", ref, seq));
    limitedTooLong();
  }

  /** A client that keeps sending past the limit is closed (4029), and told when to come back. */
  private void limitedTooLong() {
    if (++limitedInRow >= t.config().rateLimitCloseAfter()) {
      out.close(CloseCode.RATE_LIMITED, "rate limited; retry-after=" + t.config().rateLimitRetryAfter().toSeconds());
    }
  }

  private void badFrame(ProtocolException e) {
    out.error(e);
    if (++badFramesInRow >= BAD_FRAMES_BEFORE_CLOSE) {
      out.close(CloseCode.PROTOCOL_ERROR, BAD_FRAMES_BEFORE_CLOSE + " invalid frames in a row");
    }
  }

  private void hold(String text) {
    if (held == null) {
      held = new ArrayDeque<>();
    }
    if (held.size() >= MAX_HELD) {
      out.error(new ProtocolException(ErrorCode.RATE_LIMITED,
          "wait for connected (and the resume's replay) before sending more frames"));
      return;
    }
    held.add(text);
  }
}
