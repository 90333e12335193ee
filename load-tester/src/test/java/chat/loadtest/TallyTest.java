package chat.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The accounting that decides a run's exit status: loss across workers, the JSON they exchange, order. */
class TallyTest {
  // 5 clients in 2 groups: group 0 = {0, 2, 4} (sender 0), group 1 = {1, 3} (sender 1).
  private final Plan plan = Plan.parse("--scenario", "fanout", "--connections", "5", "--groups", "2");

  @Test
  void aMessageMissingAtOneMemberInAnotherWorkerIsLost() {
    Tally senderSide = new Tally();
    senderSide.acked(0, 1);
    senderSide.acked(0, 2);
    senderSide.acked(1, 1);
    senderSide.delivered(0, 1, 900, 0, true);   // member 0 got both of its own messages
    senderSide.delivered(0, 2, 900, 0, true);
    Tally otherWorker = new Tally();
    for (int member = 0; member < 2; member++) {   // members 2 and 4 got message 1; only one got message 2
      otherWorker.delivered(0, 1, 1500, 0, true);
    }
    otherWorker.delivered(0, 2, 1500, 0, true);
    otherWorker.delivered(1, 1, 2000, 1, true);
    otherWorker.delivered(1, 1, 2000, 1, true);

    Tally merged = Tally.fromJson(senderSide.toJson());
    merged.add(Tally.fromJson(otherWorker.toJson()));
    Tally.Loss loss = merged.loss(plan);
    assertEquals(3, loss.ackedMessages());
    assertEquals(1, loss.missingDeliveries());
    assertEquals(1, loss.messagesWithLoss());
    assertEquals(7, merged.latency.getTotalCount());
    assertEquals(2, merged.perSecond.size());
  }

  @Test
  void connectionsLostAndBackAreMergedAcrossWorkers() {
    Tally one = new Tally();
    one.lostConnections = 2;
    one.back(1_000_000, 1_250_000);
    Tally other = new Tally();
    other.lostConnections = 1;
    other.back(1_000_000, 4_000_000);
    Tally merged = Tally.fromJson(one.toJson());
    merged.add(Tally.fromJson(other.toJson()));
    assertEquals(3, merged.lostConnections);
    assertEquals(2, merged.backAfterLoss.getTotalCount(), "one of three is not back");
    assertEquals(3_000_000, merged.backAfterLoss.getMaxValue(), 3_000_000 / 1000.0);
    assertEquals(4_000_000, merged.lastBackMicros);
  }

  @Test
  void failedConnectsAreCountedByCauseAndPhaseAcrossWorkers() {
    Tally one = new Tally();
    one.connectFailed(new RuntimeException("upgrade failed",
        new javax.net.ssl.SSLHandshakeException("PKIX path building failed")), false, false);
    one.connectFailed(new java.net.ConnectException("Connection refused"), false, false);
    Tally other = new Tally();
    other.connectFailed(new javax.net.ssl.SSLHandshakeException("PKIX path building failed"), false, false);
    for (int i = 0; i < 20; i++) {
      other.connectFailed(new IllegalStateException("kind " + i), i % 2 == 0, i < 5);
    }
    Tally merged = Tally.fromJson(one.toJson());
    merged.add(Tally.fromJson(other.toJson()));
    assertEquals(23, merged.connectFailures);
    assertEquals(10, merged.admissionRefusals);
    assertEquals(5, merged.connectFailuresRunning, "after the ramp");
    assertEquals(3, merged.admissionRefusalsRunning);
    assertEquals(2, merged.connectErrors.get("SSLHandshakeException: PKIX path building failed"));
    assertEquals(1, merged.connectErrors.get("ConnectException: Connection refused"));
    assertEquals(11, other.connectErrors.size(), "ten causes and the rest as other");
    assertEquals(11, other.connectErrors.get("other"));
  }

  @Test
  void aPlanOverTlsTakesACaFileOnlyForWss() throws Exception {
    java.nio.file.Path ca = java.nio.file.Files.createTempFile("ca", ".crt");
    Plan tls = Plan.parse("--scenario", "idle", "--url", "wss://chat.example/ws", "--ca-file", ca.toString());
    assertTrue(tls.tls());
    assertEquals(443, tls.port());
    assertEquals(ca, tls.caFile());
    assertEquals(80, Plan.parse("--scenario", "idle", "--url", "ws://chat.example/ws").port());
    assertThrows(IllegalArgumentException.class,
        () -> Plan.parse("--scenario", "idle", "--url", "ws://chat.example/ws", "--ca-file", ca.toString()));
    assertThrows(IllegalArgumentException.class,
        () -> Plan.parse("--scenario", "idle", "--url", "wss://chat.example/ws", "--ca-file", "/no/such.crt"));
    assertThrows(IllegalArgumentException.class, () -> Plan.parse("--scenario", "idle", "--url", "http://chat.example/ws"));
  }

  @Test
  void unackedMessagesAreNotCountedAsLost() {
    Tally t = new Tally();
    t.sent = 2;
    t.acked(0, 1);
    for (int member = 0; member < 3; member++) {
      t.delivered(0, 1, 10, 0, false);
    }
    assertEquals(new Tally.Loss(1, 0, 0), t.loss(plan));
  }

  @Test
  void receiversFollowTheScenario() {
    assertEquals(3, plan.receiversOf(0));
    assertEquals(2, plan.receiversOf(1));
    assertEquals(List.of(true, true, false), List.of(plan.sends(0), plan.sends(1), plan.sends(2)));
    Plan dm = Plan.parse("--scenario", "dm", "--connections", "4");
    assertEquals("user/" + dm.user(0), dm.target(3));
    assertEquals(2, dm.receiversOf(3));
    Plan broadcast = Plan.parse("--scenario", "broadcast", "--connections", "4");
    assertEquals(4, broadcast.receiversOf(0));
  }

  @Test
  void workersRunTheCoordinatorsPlanWithOneRunId() {
    Plan coordinator = Plan.parse("--scenario", "storm", "--connections", "30", "--groups", "3",
        "--storm-kill", "4242", "--sources", "127.0.0.5");
    Plan worker = Plan.parse(coordinator.workerArguments(1, 3).toArray(String[]::new));
    assertEquals(coordinator.runId(), worker.runId(), "a default run id would differ per process");
    assertEquals(List.of(1, 3), List.of(worker.worker(), worker.workers()));
    assertEquals(List.of("storm", 30, 3, "4242", List.of("127.0.0.5")),
        List.of(worker.scenario(), worker.connections(), worker.groups(), worker.stormKill(), worker.sources()));
    assertTrue(worker.inSlice(4) && !worker.inSlice(5));
  }

  @Test
  void badArgumentsNameTheOption() {
    assertEquals("--scenario must be one of [idle, fanout, dm, broadcast, storm], got 'chaos'",
        assertThrows(IllegalArgumentException.class, () -> Plan.parse("--scenario", "chaos")).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Plan.parse("--scenario", "storm")).getMessage().contains("--storm-kill"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Plan.parse("--scenario", "fanout", "--connections", "3", "--groups", "4")).getMessage().contains("--groups"));
    assertEquals(List.of("127.0.0.2", "127.0.0.3", "127.0.0.4", "10.0.0.1"), Plan.sources("127.0.0.2-127.0.0.4,10.0.0.1"));
  }
}
