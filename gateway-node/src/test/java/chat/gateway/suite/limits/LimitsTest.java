package chat.gateway.suite.limits;

import static chat.gateway.testing.Frames.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.Frames;
import chat.gateway.testing.SilentSocket;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.CloseCode;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Size, rate, bad input, slow readers and silent peers: every limit ends in a documented answer. */
class LimitsTest {

  @Test
  void aFrameOverTheSizeLimitCloses1009() {
    try (TestNode node = TestNode.start("MAX_MESSAGE_BYTES", "4096", "WS_CLOSING_TIMEOUT", "2s")) {
      WsProbe ws = node.connected("alice");
      ws.socket().writeTextMessage("{\"type\":\"send\",\"seq\":1,\"channel\":\"user/bob\",\"body\":\"" + "x".repeat(5000) + "\"}");
      assertEquals(1009, ws.closeCode());
    }
  }

  @Test
  void aTextFrameThatIsNotUtf8Closes1007() {
    try (TestNode node = TestNode.start("WS_CLOSING_TIMEOUT", "1s")) {
      SilentSocket peer = SilentSocket.open(node.clientVertx(), node.port(), "{\"type\":\"connect\",\"user\":\"bob\"}");
      assertTrue(peer.awaitUpgrade().contains(" 101 "));
      Await.until("connected", () -> peer.received("connected") == 1);
      // {"type":"ping","x":"<0xC3 0x28>"}: 0xC3 starts a two-byte sequence that 0x28 does not continue
      byte[] head = "{\"type\":\"ping\",\"x\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      byte[] payload = java.util.Arrays.copyOf(head, head.length + 4);
      payload[head.length] = (byte) 0xC3;
      payload[head.length + 1] = (byte) 0x28;
      payload[head.length + 2] = '"';
      payload[head.length + 3] = '}';
      peer.sendText(payload);
      assertEquals(CloseCode.INVALID_TEXT.code(), peer.awaitClosed());
    }
  }

  @Test
  void anEmbeddedNodePastItsStoreBudgetRefusesSendsAsUnavailable() {
    try (TestNode node = TestNode.start("EMBEDDED_STORE_BYTES", "65536", "RATE_LIMIT_BURST", "1000")) {
      WsProbe alice = node.connected("alice");
      JsonObject refused = null;
      for (int i = 1; i <= 500 && refused == null; i++) {
        alice.send(Frames.send(i, "user/alice", "x".repeat(1000)));
        JsonObject answer = alice.next("ack", "error");
        if (answer.getString("type").equals("error")) {
          refused = answer;
        }
      }
      assertTrue(refused != null, "64 KiB of store never filled");
      assertEquals("unavailable", refused.getString("code"));
      assertTrue(refused.getBoolean("temporary"));
      alice.send("{\"type\":\"ping\"}").next("pong");
    }
  }

  @Test
  void pingsCountInTheRateLimit() {
    try (TestNode node = TestNode.start("RATE_LIMIT_PER_SECOND", "1", "RATE_LIMIT_BURST", "5",
        "RATE_LIMIT_CLOSE_AFTER", "10", "WS_CLOSING_TIMEOUT", "1s")) {
      SilentSocket pinger = SilentSocket.open(node.clientVertx(), node.port(), "{\"type\":\"connect\",\"user\":\"bob\"}");
      assertTrue(pinger.awaitUpgrade().contains(" 101 "));
      for (int i = 0; i < 100; i++) {
        pinger.sendPing(new byte[0]);
      }
      assertEquals(CloseCode.RATE_LIMITED.code(), pinger.awaitClosed());
    }
  }

  @Test
  void pingsFromAClientThatNeverReadsClose4008InsteadOfQueueingPongs() {
    try (TestNode node = TestNode.start("RATE_LIMIT_PER_SECOND", "1000000", "RATE_LIMIT_BURST", "1000000",
        "OUTBOUND_QUEUE_BYTES", "4096", "SOCKET_SEND_BUFFER_BYTES", "4096", "WS_CLOSING_TIMEOUT", "5s")) {
      SilentSocket pinger = SilentSocket.open(node.clientVertx(), new io.vertx.core.net.NetClientOptions()
          .setReceiveBufferSize(4096), node.port(), "{\"type\":\"connect\",\"user\":\"bob\"}");
      assertTrue(pinger.awaitUpgrade().contains(" 101 "));
      pinger.stopReading();
      byte[] payload = new byte[125];
      for (int i = 0; i < 20_000; i++) { // 2.4 MiB of pongs if all were answered
        pinger.sendPing(payload);
      }
      pinger.resumeReading();
      assertEquals(CloseCode.TOO_SLOW.code(), pinger.awaitClosed());
    }
  }

  @Test
  void manyHistoryPagesAskedAtOnceComeAsFastAsTheClientReadsThem() {
    // 32 KiB pages (half the outbound queue) over 80 messages of 8 KiB
    try (TestNode node = TestNode.start("RATE_LIMIT_PER_SECOND", "1000", "RATE_LIMIT_BURST", "1000",
        "OUTBOUND_QUEUE_BYTES", "65536", "SOCKET_SEND_BUFFER_BYTES", "4096")) {
      WsProbe alice = node.connected("alice");
      alice.send(join(1, "group/big")).next("joined");
      for (int i = 1; i <= 80; i++) {
        alice.send(Frames.send(i, "group/big", "x".repeat(8 * 1024))).next("ack");
      }
      SilentSocket reader = SilentSocket.open(node.clientVertx(), new io.vertx.core.net.NetClientOptions()
          .setReceiveBufferSize(4096), node.port(), null);
      assertTrue(reader.awaitUpgrade().contains(" 101 "));
      reader.sendText("{\"type\":\"connect\",\"user\":\"alice\",\"device\":\"r\"}");
      Await.until("connected", () -> reader.received("connected") == 1);
      reader.stopReading();
      // 20 pages of 32 KiB: 640 KiB, ten times the outbound queue; 16 may wait at once
      for (int i = 0; i < 20; i++) {
        reader.sendText("{\"type\":\"history\",\"ref\":" + (10 + i) + ",\"channel\":\"group/big\",\"limit\":100}");
      }
      reader.resumeReading();
      Await.until("every request answered", () -> reader.received("history") + reader.received("error") == 20);
      long refused = reader.texts().stream().filter(t -> t.contains("\"rate_limited\"")).count();
      assertEquals(20, reader.received("history") + refused, "pages and refusals: " + reader.texts().size());
      // the socket takes less than a page while the client does not read: the first page is still waiting
      assertTrue(refused >= 1 && reader.received("history") >= 16, refused + " refused");
      reader.sendText("{\"type\":\"ping\"}");
      Await.until("the connection is still open", () -> reader.received("pong") == 1);
    }
  }

  @Test
  void requestsTrickledInAreCutOffAtTheRequestTimeout() throws Exception {
    try (TestNode node = TestNode.start("REQUEST_TIMEOUT", "1s")) {
      try (java.net.Socket slow = new java.net.Socket("127.0.0.1", node.port())) {
        slow.setSoTimeout(10_000);
        slow.getOutputStream().write("GET /ws HTTP/1.1\r\nHost: x\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(-1, slow.getInputStream().read(), "a request head that never ends: closed unanswered");
      }
      try (java.net.Socket slow = new java.net.Socket("127.0.0.1", node.port())) {
        slow.setSoTimeout(10_000);
        slow.getOutputStream().write(("POST /api/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestNode.API_KEY
            + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"channel\":").getBytes(
            java.nio.charset.StandardCharsets.US_ASCII));
        String status = new java.io.BufferedReader(new java.io.InputStreamReader(slow.getInputStream(),
            java.nio.charset.StandardCharsets.US_ASCII)).readLine();
        assertTrue(status != null && status.contains(" 503"), "a body that never ends: " + status);
      }
      WsProbe alice = node.connected("alice");
      alice.send("{\"type\":\"ping\"}");
      assertEquals("pong", alice.next("pong").getString("type"), "a whole request is not affected");
    }
  }

  @Test
  void aFragmentedMessageOverTheSizeLimitCloses1009() {
    try (TestNode node = TestNode.start("MAX_MESSAGE_BYTES", "4096", "WS_CLOSING_TIMEOUT", "2s")) {
      WsProbe ws = WsProbe.open(node.clientVertx(), node.port(),
          new WebSocketClientOptions().setMaxFrameSize(1024).setMaxMessageSize(1 << 20));
      ws.send("{\"type\":\"connect\",\"user\":\"alice\"}");
      ws.next("connected");
      ws.socket().writeTextMessage("{\"type\":\"ping\",\"pad\":\"" + "y".repeat(6000) + "\"}");
      assertEquals(1009, ws.closeCode());
    }
  }

  @Test
  void withCompressionTheLimitAppliesToTheInflatedSize() {
    // The bomb's sender is still writing when the server closes; don't let shutdown wait 10 s for its close frame.
    try (TestNode node = TestNode.start("MAX_MESSAGE_BYTES", "4096", "WS_COMPRESSION", "true", "WS_CLOSING_TIMEOUT", "2s")) {
      WebSocketClientOptions deflate = new WebSocketClientOptions().setTryUsePerMessageCompression(true)
          .setMaxMessageSize(1 << 20);
      WsProbe small = WsProbe.open(node.clientVertx(), node.port(), deflate);
      small.send("{\"type\":\"connect\",\"user\":\"alice\",\"pad\":\"" + "z".repeat(3000) + "\"}");
      assertEquals("connected", small.next().getString("type"));

      WsProbe bomb = WsProbe.open(node.clientVertx(), node.port(), deflate);
      // about 200 KiB inflated, a few hundred bytes on the wire
      bomb.socket().writeTextMessage("{\"type\":\"connect\",\"user\":\"bob\",\"pad\":\"" + "z".repeat(200_000) + "\"}");
      assertEquals(1009, bomb.closeCode());
      // Opened outside the node's list of probes: end both from the client side before the node shuts down,
      // or its shutdown may wait on a socket the client is still writing into.
      bomb.close();
      small.close();
    }
  }

  @Test
  void aCompressionBombIsCutOffAtTheSizeLimitNotInflatedWhole() {
    try (TestNode node = TestNode.start("MAX_MESSAGE_BYTES", "65536", "WS_COMPRESSION", "true", "WS_CLOSING_TIMEOUT", "2s")) {
      WebSocketClientOptions deflate = new WebSocketClientOptions().setTryUsePerMessageCompression(true)
          .setMaxFrameSize(256 << 20).setMaxMessageSize(256 << 20);
      WsProbe bomb = WsProbe.open(node.clientVertx(), node.port(), deflate);
      long before = allocatedOnEventLoops();
      // 128 MiB inflated, about 128 KiB on the wire, in one frame
      bomb.socket().writeFrame(io.vertx.core.http.WebSocketFrame.textFrame("z".repeat(128 << 20), true));
      short code = bomb.closeCode();
      long inflated = allocatedOnEventLoops() - before;
      assertTrue(inflated < 32L << 20, "the event loops allocated " + (inflated >> 20) + " MiB for one bomb");
      bomb.close();
      WsProbe alice = WsProbe.open(node.clientVertx(), node.port(), deflate);
      alice.send("{\"type\":\"connect\",\"user\":\"alice\"}");
      assertEquals("connected", alice.next().getString("type"), "the node goes on");
      alice.close();
    }
  }

  /** Bytes allocated so far by the gateway's event-loop threads (where inflation runs). */
  private static long allocatedOnEventLoops() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long total = 0;
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith("vert.x-eventloop-thread")) {
        long bytes = threads.getThreadAllocatedBytes(thread.getId());
        total += Math.max(0, bytes);
      }
    }
    return total;
  }

  @Test
  void badFramesAreAnsweredAndTwentyInARowClose() {
    try (TestNode node = TestNode.start("RATE_LIMIT_BURST", "1000")) {
      WsProbe ws = node.connected("alice");
      String[] bad = {"not json", "[1,2]", "{}", "{\"type\":42}", "{\"type\":\"nope\"}",
          "{\"type\":\"send\",\"seq\":\"1\",\"channel\":\"user/bob\",\"body\":1}",
          "{\"type\":\"send\",\"seq\":0,\"channel\":\"user/bob\",\"body\":1}",
          "{\"type\":\"send\",\"seq\":1.5,\"channel\":\"user/bob\",\"body\":1}",
          "{\"type\":\"send\",\"seq\":1,\"channel\":\"user/bob\"}",
          "{\"type\":\"send\",\"seq\":1,\"channel\":\"users/bob\",\"body\":1}",
          "{\"type\":\"join\",\"ref\":\"x\",\"channel\":\"group/dev\"}",
          "{\"type\":\"history\",\"channel\":\"group/dev\",\"limit\":-1}"};
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 19; i++) {
          ws.send(bad[i % bad.length]);
          JsonObject error = ws.next();
          assertEquals("error", error.getString("type"), error.encode());
          assertEquals("bad_request", error.getString("code"), bad[i % bad.length]);
        }
        ws.send("{\"type\":\"ping\"}");
        assertEquals("pong", ws.next().getString("type"), "a valid frame resets the count");
      }
      ws.writeBinary(new byte[] {1, 2, 3});
      assertEquals("bad_request", ws.next().getString("code"));
      for (int i = 1; i < 20; i++) {
        ws.send("nope");
        ws.next();
      }
      assertEquals(CloseCode.PROTOCOL_ERROR.code(), ws.closeCode());
    }
  }

  @Test
  void aFloodIsRateLimitedThenClosed4029() {
    try (TestNode node = TestNode.start("RATE_LIMIT_PER_SECOND", "0.5", "RATE_LIMIT_BURST", "5",
        "RATE_LIMIT_CLOSE_AFTER", "10", "RATE_LIMIT_RETRY_AFTER", "30s")) {
      WsProbe ws = node.probe();
      ws.send("{\"type\":\"connect\",\"user\":\"alice\"}");
      ws.next("connected");
      for (int i = 1; i <= 20; i++) {
        ws.socket().writeTextMessage("{\"type\":\"send\",\"seq\":" + i + ",\"channel\":\"user/bob\",\"body\":" + i + "}");
      }
      List<JsonObject> frames = new ArrayList<>();
      while (frames.size() < 4 + 10) {
        frames.add(ws.next("ack", "error"));
      }
      assertEquals(4, frames.stream().filter(f -> f.getString("type").equals("ack")).count(), frames.toString());
      List<JsonObject> limited = frames.stream().filter(f -> "rate_limited".equals(f.getString("code"))).toList();
      assertEquals(10, limited.size());
      assertTrue(limited.get(0).getBoolean("temporary"));
      assertEquals(5, limited.get(0).getLong("seq"), "the refused send is named by its seq");
      assertEquals(4029, ws.closeCode());
      assertEquals("rate limited; retry-after=30", ws.closeReason());
    }
  }

  @Test
  void aReaderThatStopsIsClosed4008WhileOthersReceiveEverything() {
    try (TestNode node = TestNode.start("OUTBOUND_QUEUE_BYTES", "65536", "SOCKET_SEND_BUFFER_BYTES", "16384")) {
      WebSocketClientOptions smallWindow = new WebSocketClientOptions().setReceiveBufferSize(16384)
          .setMaxMessageSize(1 << 20);
      WsProbe slow = WsProbe.open(node.clientVertx(), node.port(), smallWindow);
      slow.send("{\"type\":\"connect\",\"user\":\"slow\"}");
      slow.next("connected");
      slow.send(join(1, "group/feed"));
      slow.next("joined");
      WsProbe fast = node.connected("fast");
      fast.send(join(1, "group/feed"));
      fast.next("joined");
      slow.socket().pause();

      String body = "p".repeat(4000);
      int published = 0;
      while (node.gateway().metrics().closes(CloseCode.TOO_SLOW) == 0) {
        assertTrue(published < 5000, "the slow reader was never closed");
        publish(node, body, published);
        published++;
      }
      List<Integer> received = new ArrayList<>();
      while (received.size() < published) {
        JsonObject message = fast.next("message");
        received.add(new JsonObject(message.getString("body")).getInteger("n"));
      }
      for (int i = 0; i < published; i++) {
        assertEquals(i, received.get(i), "the fast reader got every message in order");
      }
      slow.socket().resume();
      assertEquals(4008, slow.closeCode());
    }
  }

  private static void publish(TestNode node, String filler, int n) {
    JsonObject body = new JsonObject().put("channel", "group/feed").put("from", "feeder")
        .put("body", new JsonObject().put("n", n).put("fill", filler).encode());
    assertEquals(200, node.api(HttpMethod.POST, "/api/publish", body).status());
  }

  @Test
  void aPeerSilentForTwoHeartbeatsIsClosedWhileOneThatPongsStays() {
    try (TestNode node = TestNode.start("HEARTBEAT", "1s", "WS_CLOSING_TIMEOUT", "1s")) {
      WsProbe answering = node.connected("alice");
      SilentSocket silent = SilentSocket.open(node.clientVertx(), node.port(), "{\"type\":\"connect\",\"user\":\"bob\"}");
      assertEquals(CloseCode.HEARTBEAT_TIMEOUT.code(), silent.awaitClosed());
      assertTrue(silent.pings() >= 1, "the server pinged before giving up");
      assertFalse(answering.isClosed(), "a client that answers pings stays");
      answering.send("{\"type\":\"ping\"}");
      assertEquals("pong", answering.next("pong").getString("type"));
    }
  }

  @Test
  void aNodeThatStallsDoesNotBlameItsClientsForTheSilence() throws Exception {
    try (TestNode node = TestNode.start("HEARTBEAT", "1s", "WS_CLOSING_TIMEOUT", "1s")) {
      WsProbe alice = node.connected("alice");
      SilentSocket silent = SilentSocket.open(node.clientVertx(), node.port(), "{\"type\":\"connect\",\"user\":\"bob\"}");
      assertTrue(silent.awaitUpgrade().contains(" 101 "));
      // Every event loop of the node stops for three heartbeats (a GC pause, a starved CPU): the client's
      // pongs wait unread in the kernel meanwhile, so the silence the node sees is its own.
      EventLoopGroup loops = ((VertxInternal) node.gateway().vertx()).nettyEventLoopGroup();
      List<java.util.concurrent.Future<?>> stalls = new ArrayList<>();
      for (EventExecutor loop : loops) {
        stalls.add(loop.submit(() -> {
          LockSupport.parkNanos(Duration.ofSeconds(3).toNanos());
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> stall : stalls) {
        stall.get(30, TimeUnit.SECONDS);
      }
      alice.send("{\"type\":\"ping\"}");
      assertEquals("pong", alice.next("pong").getString("type"), "the session outlived the node's stall");
      assertFalse(alice.isClosed());
      assertEquals(CloseCode.HEARTBEAT_TIMEOUT.code(), silent.awaitClosed(), "a client that stays silent is still closed");
      assertFalse(alice.isClosed());
    }
  }
}
