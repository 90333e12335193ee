package chat.gateway.suite.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.CloseCode;
import chat.protocol.ErrorCode;
import chat.protocol.FrameFuzzer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * 10,000 random and mutated frames against a live node: every one gets exactly one answer (an error
 * code, or the reply of an accepted request), no connection is dropped, and no error is "internal".
 */
class LiveFuzzTest {
  private static final Set<String> REPLIES = Set.of("error", "ack", "joined", "left", "history", "presence", "pong");
  private static final long BARRIER_REFS = 1_000_000_000_000L;

  @Test
  void everyHostileFrameIsAnsweredOnce() {
    try (TestNode node = TestNode.start("RATE_LIMIT_PER_SECOND", "1000000", "RATE_LIMIT_BURST", "1000000")) {
      List<WsProbe> sockets = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        sockets.add(node.connected("f" + i));
      }
      FrameFuzzer fuzzer = new FrameFuzzer(20261124);
      int errors = 0;
      for (int i = 0; i < 10_000; i++) {
        WsProbe ws = sockets.get(i % sockets.size());
        String frame = fuzzer.next();
        long barrier = BARRIER_REFS + i;
        ws.send(frame);
        ws.send(new JsonObject().put("type", "presence").put("ref", barrier).put("channel", "broadcast"));
        List<JsonObject> answers = new ArrayList<>();
        while (true) {
          JsonObject reply = ws.next();
          if ("presence".equals(reply.getString("type")) && Long.valueOf(barrier).equals(reply.getLong("ref"))) {
            break;
          }
          if (REPLIES.contains(reply.getString("type"))) {
            answers.add(reply);
          }
        }
        assertEquals(1, answers.size(), "frame " + i + " " + frame + " got " + answers);
        JsonObject answer = answers.get(0);
        if (answer.getString("type").equals("error")) {
          errors++;
          ErrorCode code = ErrorCode.fromWire(answer.getString("code"));
          assertTrue(code != ErrorCode.INTERNAL, "internal error for " + frame);
          assertFalse(answer.getString("message").isEmpty());
        }
      }
      assertTrue(errors > 1000 && errors < 9000, "both refused and accepted frames: " + errors + " errors");
      sockets.forEach(ws -> assertFalse(ws.isClosed(), "a fuzzed connection was dropped"));
      String metrics = node.management(HttpMethod.GET, "/metrics").body();
      assertTrue(metrics.contains("chat_errors_total{code=\"internal\"} 0.0"));
      assertEquals(0, node.gateway().metrics().closes(CloseCode.INTERNAL));
    }
  }
}
