package chat.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.protocol.CloseCode;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import chat.protocol.ServerFrame;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A connection's writes and close policy. */
class OutboundTest {
  private final TestSocket socket = new TestSocket("OUTBOUND_QUEUE_BYTES", "4096");
  private final Outbound out = new Outbound(socket.socket, socket.context);

  @Test
  void aClientThatDoesNotReadIsClosedNotQueuedFor() {
    byte[] frame = "{\"type\":\"message\"}".getBytes();
    assertTrue(out.shared(frame, "message", null));
    // what Netty says once more waits to go out than OUTBOUND_QUEUE_BYTES: the client is not reading
    socket.channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    assertTrue(out.closing() || !out.shared(frame, "message", null));
    assertTrue(out.closing());
    assertEquals(CloseCode.TOO_SLOW.code(), socket.closeCode());
    assertFalse(out.shared(frame, "message", null), "nothing after the close");
    assertEquals(1, socket.written().size());
  }

  @Test
  void aPageAnswerWaitsForTheSocketAndNeverRunsAfterTheClose() {
    AtomicInteger next = new AtomicInteger();
    out.text("{\"type\":\"history\"}", "history", out.onceWritten(next::incrementAndGet));
    assertEquals(0, next.get(), "not before the socket took it");
    socket.written();
    assertEquals(1, next.get());
    Runnable late = out.onceWritten(next::incrementAndGet);
    out.close(CloseCode.DRAINING, "bye");
    late.run();
    assertEquals(1, next.get());
  }

  @Test
  void failuresAnswerTheRequestAndHideWhatIsNotTheClients() {
    out.fail(new ProtocolException(ErrorCode.FORBIDDEN, "not a member of group/x"), 7L, null);
    out.fail(new IllegalStateException("a bug with internals in its message"), null, 3L);
    List<JsonObject> errors = socket.written();
    assertEquals("forbidden", errors.get(0).getString("code"));
    assertEquals(7L, errors.get(0).getLong("ref"));
    assertEquals("internal", errors.get(1).getString("code"));
    assertEquals(3L, errors.get(1).getLong("seq"));
    assertEquals("internal error", errors.get(1).getString("message"));
    assertEquals(1.0, socket.registry.find("chat_errors").tag("code", "internal").counter().count());
  }

  @Test
  void closesOnceWithTheReasonCutToACloseFrame() {
    out.send(new ServerFrame.Pong());
    out.close(CloseCode.FORBIDDEN, "x".repeat(300));
    out.close(CloseCode.INTERNAL, "again");
    assertEquals(CloseCode.FORBIDDEN.code(), socket.closeCode());
    assertFalse(out.canPing());
  }
}
