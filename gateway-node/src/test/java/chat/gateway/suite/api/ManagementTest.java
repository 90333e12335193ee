package chat.gateway.suite.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The management port: health, readiness, metrics, and the drain an operator starts before a restart. */
class ManagementTest {

  @Test
  void healthAndReadinessWhileServing() {
    try (TestNode node = TestNode.start()) {
      assertEquals(200, node.management(HttpMethod.GET, "/health").status());
      assertEquals(200, node.management(HttpMethod.GET, "/ready").status());
    }
  }

  @Test
  void metricsExposeGatewayVertxAndJvmMeters() {
    try (TestNode node = TestNode.start()) {
      WsProbe alice = node.connected("alice");
      alice.send("{\"type\":\"send\",\"seq\":1,\"channel\":\"user/alice\",\"body\":1}");
      alice.next("message");
      alice.send("not json");
      alice.next("error");
      System.gc(); // GC pause timers appear with the first collection, reported asynchronously
      Await.until("a GC pause metric", () -> node.management(HttpMethod.GET, "/metrics").body()
          .contains("jvm_gc_pause_seconds"));
      String metrics = node.management(HttpMethod.GET, "/metrics").body();
      for (String name : new String[] {"chat_connections ", "chat_handshakes_total{result=\"ok\"}",
          "chat_frames_in_total{type=\"send\"}", "chat_frames_out_total{type=\"ack\"}", "chat_deliveries_total",
          "chat_delivery_latency_seconds_bucket", "chat_errors_total{code=\"bad_request\"}",
          "chat_closes_total{code=\"4008\"", "chat_messages_accepted_total", "chat_draining",
          "vertx_http_server_requests_total", "jvm_gc_pause_seconds", "jvm_memory_used_bytes",
          "process_cpu_usage"}) {
        assertTrue(metrics.contains(name), "missing " + name);
      }
      assertTrue(metrics.contains("chat_connections 1.0"), "one connection open");
      assertTrue(metrics.contains("chat_errors_total{code=\"bad_request\"} 1.0"));
    }
  }

  @Test
  void aFanOutCountsEveryDeliveryAndSamplesItsLatencyOncePerEventLoop() {
    try (TestNode node = TestNode.start("EVENT_LOOPS", "1")) {
      List<WsProbe> members = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        WsProbe member = node.connected("member" + i);
        member.send("{\"type\":\"join\",\"ref\":1,\"channel\":\"group/room\"}");
        member.next("joined");
        members.add(member);
      }
      double deliveries = metric(node, "chat_deliveries_total");
      double samples = metric(node, "chat_delivery_latency_seconds_count");
      members.get(0).send("{\"type\":\"send\",\"seq\":1,\"channel\":\"group/room\",\"body\":\"hi\"}");
      for (WsProbe member : members) {
        assertEquals("hi", member.next("message").getString("body"));
      }
      assertEquals(deliveries + 5, metric(node, "chat_deliveries_total"), "each of the five deliveries counted");
      assertEquals(samples + 1, metric(node, "chat_delivery_latency_seconds_count"),
          "one latency sample for the loop's fan-out, not one per socket");
    }
  }

  private static double metric(TestNode node, String name) {
    for (String line : node.management(HttpMethod.GET, "/metrics").body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1));
      }
    }
    throw new AssertionError("no " + name);
  }

  @Test
  void drainClosesEveryConnectionWith4100AndRefusesNewOnes() {
    try (TestNode node = TestNode.start("DRAIN_WINDOW", "500ms")) {
      List<WsProbe> clients = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        clients.add(node.connected("user" + i));
      }
      WsProbe upgradedOnly = node.probe();
      assertEquals(202, node.management(HttpMethod.POST, "/admin/drain").status());
      assertEquals(503, node.management(HttpMethod.GET, "/ready").status());
      UpgradeRejectedException refused = assertThrows(UpgradeRejectedException.class, node::probe);
      assertEquals(503, refused.getStatus());
      for (WsProbe client : clients) {
        assertEquals(4100, client.closeCode());
      }
      assertEquals(4100, upgradedOnly.closeCode());
      Await.result(node.gateway().drained());
      assertEquals(200, node.management(HttpMethod.GET, "/health").status(), "alive until the process exits");
    }
  }

  @Test
  void behindTheLoadBalancerADrainingNodeClosesUpgradesUnansweredSoTheyAreRetriedElsewhere() throws Exception {
    try (TestNode node = TestNode.start("DRAIN_WINDOW", "500ms", "TRUSTED_PROXIES", "127.0.0.1")) {
      assertEquals(202, node.management(HttpMethod.POST, "/admin/drain").status());
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.port())) {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "X-Forwarded-For: 203.0.113.9\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(-1, socket.getInputStream().read(), "no response at all: HAProxy's retry-on empty-response");
      }
    }
  }

  @Test
  void aConnectDuringTheDrainIsUnavailable() {
    // 600 handshakes from one address that do not send connect: above the default admission limits
    try (TestNode node = TestNode.start("DRAIN_WINDOW", "60s", "ADMISSION_PENDING_PER_SOURCE", "1000",
        "ADMISSION_BURST", "1000")) {
      List<WsProbe> early = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        early.add(node.probe());
      }
      node.gateway().drain();
      // With 600 sockets over 60 s, a batch of 1 closes every 100 ms: most are still open.
      WsProbe late = early.get(early.size() - 1);
      late.send("{\"type\":\"connect\",\"user\":\"alice\"}");
      String code = late.next("error").getString("code");
      assertEquals("unavailable", code);
      assertEquals(4100, late.closeCode());
    }
  }

  @Test
  void profileRecordsAFlightRecordingOneAtATime() throws Exception {
    try (TestNode node = TestNode.start()) {
      assertEquals(400, node.management(HttpMethod.POST, "/admin/profile?seconds=0").status());
      assertEquals(400, node.management(HttpMethod.POST, "/admin/profile?seconds=soon").status());
      var first = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> node.management(HttpMethod.POST, "/admin/profile?seconds=3"));
      var second = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> node.management(HttpMethod.POST, "/admin/profile?seconds=3"));
      List<TestNode.HttpResult> results = List.of(first.get(), second.get());
      assertEquals(List.of(200, 409), results.stream().map(TestNode.HttpResult::status).sorted().toList());
      String recording = results.stream().filter(r -> r.status() == 200).findFirst().orElseThrow().body();
      assertTrue(recording.startsWith("FLR"), "a JFR file starts with its magic bytes");
      assertEquals(200, node.management(HttpMethod.POST, "/admin/profile?seconds=1").status(), "free again");
    }
  }

  private static final String ADMIN_TOKEN = "admin-token-0123456789abcdef012345";

  @Test
  void adminNeedsTheTokenWhenOneIsSetAndChecksAndScrapesStayOpen() {
    try (TestNode node = TestNode.start("ADMIN_TOKEN", ADMIN_TOKEN)) {
      int mgmt = node.gateway().managementPort();
      assertEquals(401, node.management(HttpMethod.POST, "/admin/drain").status());
      assertEquals(401, node.request(mgmt, HttpMethod.POST, "/admin/drain", null, "Bearer wrong").status());
      assertEquals(401, node.request(mgmt, HttpMethod.POST, "/admin/profile?seconds=1", null, null).status());
      assertEquals(200, node.management(HttpMethod.GET, "/health").status());
      assertEquals(200, node.management(HttpMethod.GET, "/ready").status());
      assertEquals(200, node.management(HttpMethod.GET, "/metrics").status());
      assertFalse(node.gateway().draining());
      assertEquals(202, node.request(mgmt, HttpMethod.POST, "/admin/drain", null, "Bearer " + ADMIN_TOKEN).status());
      assertTrue(node.gateway().draining());
    }
  }

  @Test
  void aRecordingCarriesNoneOfTheNodesSecrets() throws Exception {
    String jwtSecret = "jwt-secret-that-must-not-leak-0123456789";
    System.setProperty("chat.test.secret", "a-system-property-that-must-not-leak");
    // a process on the host whose command line carries a secret, as `java -DAPI_KEY=...` would
    Process withSecret = new ProcessBuilder("sh", "-c", "sleep 60", "a-command-line-that-must-not-leak").start();
    try (TestNode node = TestNode.start("ADMIN_TOKEN", ADMIN_TOKEN, "AUTH_MODE", "jwt", "JWT_SECRET", jwtSecret)) {
      java.net.http.HttpResponse<byte[]> response = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.gateway().managementPort()
              + "/admin/profile?seconds=1")).header("Authorization", "Bearer " + ADMIN_TOKEN)
              .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
          java.net.http.HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, response.statusCode());
      java.nio.file.Path file = java.nio.file.Files.createTempFile("profile", ".jfr");
      try {
        java.nio.file.Files.write(file, response.body());
        List<String> types = jdk.jfr.consumer.RecordingFile.readAllEvents(file).stream()
            .map(e -> e.getEventType().getName()).distinct().toList();
        assertFalse(types.isEmpty());
        for (String secretEvent : List.of("jdk.InitialEnvironmentVariable", "jdk.InitialSystemProperty",
            "jdk.JVMInformation", "jdk.SystemProcess")) {
          assertFalse(types.contains(secretEvent), secretEvent + " is in the recording");
        }
        String raw = new String(response.body(), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertFalse(raw.contains("a-system-property-that-must-not-leak"), "the recording has the system properties");
        assertFalse(raw.contains("a-command-line-that-must-not-leak"), "the recording has process command lines");
      } finally {
        java.nio.file.Files.deleteIfExists(file);
        System.clearProperty("chat.test.secret");
        withSecret.destroyForcibly().waitFor();
      }
    }
  }
}
