package chat.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.config.AddressRange;
import chat.gateway.config.GatewayConfig.AdmissionConfig;
import chat.gateway.testing.MutableClock;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Admission's arithmetic, on a clock the test moves. */
class AdmissionTest {

  private final MutableClock clock = MutableClock.stopped(1_000_000);

  private Admission admission(int pendingMax, int perSource, double rate, int burst) {
    return admission(pendingMax, perSource, rate, burst, 1_000_000);
  }

  private Admission admission(int pendingMax, int perSource, double rate, int burst, int maxConnections) {
    return new Admission(new AdmissionConfig(pendingMax, perSource, rate, burst, List.of(), maxConnections, 500), clock);
  }

  @Test
  void openConnectionsAreCappedUntilOneCloses() {
    Admission admission = admission(1000, 1000, 1000, 1000, 2);
    Admission.Ticket first = assertInstanceOf(Admission.Ticket.class, admission.admit("10.0.0.1"));
    Admission.Ticket second = assertInstanceOf(Admission.Ticket.class, admission.admit("10.0.0.2"));
    first.connected();
    second.connected();
    assertEquals("full", assertInstanceOf(Admission.Refused.class, admission.admit("10.0.0.3")).reason(),
        "connected sessions still count as open");
    first.closed();
    first.closed();
    assertEquals(1, admission.open(), "a close counts once");
    Admission.Ticket third = assertInstanceOf(Admission.Ticket.class, admission.admit("10.0.0.3"));
    assertEquals(1, admission.pending());
    third.closed();
    assertEquals(0, admission.pending(), "a session that closes before connected is no longer pending");
  }

  @Test
  void aLateEventLoopHoldsNewSessionsOffForAMoment() {
    Admission admission = admission(1000, 1000, 1000, 1000);
    admission.loopDelay(499);
    assertInstanceOf(Admission.Ticket.class, admission.admit("10.0.0.1"), "under the limit");
    admission.loopDelay(800);
    Admission.Refused refused = assertInstanceOf(Admission.Refused.class, admission.admit("10.0.0.2"));
    assertEquals("busy", refused.reason());
    assertTrue(refused.retryAfterSeconds() >= 1);
    clock.advance(Duration.ofMillis(Admission.BUSY_HOLD_MILLIS - 1));
    assertInstanceOf(Admission.Refused.class, admission.admit("10.0.0.2"));
    clock.advance(Duration.ofMillis(1));
    assertInstanceOf(Admission.Ticket.class, admission.admit("10.0.0.2"), "the loop has caught up since");
  }

  @Test
  void theRateAdmitsItsBurstThenRefillsAndTheRetryAfterGrowsWithTheCrowd() {
    Admission admission = admission(1000, 1000, 10, 10);
    for (int i = 0; i < 10; i++) {
      assertInstanceOf(Admission.Ticket.class, admission.admit("10.0.0." + i)).connected();
    }
    Admission.Refused first = assertInstanceOf(Admission.Refused.class, admission.admit("10.0.0.99"));
    assertEquals("rate", first.reason());
    assertEquals(1, first.retryAfterSeconds());
    long last = 0;
    for (int i = 0; i < 40; i++) {
      last = assertInstanceOf(Admission.Refused.class, admission.admit("10.0.1." + i)).retryAfterSeconds();
    }
    assertEquals(5, last, "41 refused at 10/s: about 5 s of backlog");
    clock.advance(Duration.ofMillis(100));
    assertInstanceOf(Admission.Ticket.class, admission.admit("10.0.0.1"), "one token back after 100 ms");
  }

  @Test
  void pendingHandshakesAreCappedPerNodeAndPerSourceUntilReleased() {
    Admission admission = admission(3, 2, 1000, 1000);
    List<Admission.Ticket> tickets = new ArrayList<>();
    tickets.add(assertInstanceOf(Admission.Ticket.class, admission.admit("10.0.0.1")));
    tickets.add(assertInstanceOf(Admission.Ticket.class, admission.admit("10.0.0.1")));
    assertEquals("source", assertInstanceOf(Admission.Refused.class, admission.admit("10.0.0.1")).reason());
    tickets.add(assertInstanceOf(Admission.Ticket.class, admission.admit("10.0.0.2")));
    assertEquals("pending", assertInstanceOf(Admission.Refused.class, admission.admit("10.0.0.3")).reason());
    tickets.get(0).connected();
    tickets.get(0).connected();
    assertEquals(2, admission.pending(), "a ticket is released once");
    assertInstanceOf(Admission.Ticket.class, admission.admit("10.0.0.1"));
  }

  @Test
  void addressRangesMatchByPrefixAndRefuseNames() throws Exception {
    AddressRange tens = AddressRange.parse("10.0.0.0/8");
    assertTrue(tens.contains(InetAddress.getByName("10.200.3.4")));
    assertTrue(!tens.contains(InetAddress.getByName("11.0.0.1")));
    assertTrue(AddressRange.parse("172.16.0.0/12").contains(InetAddress.getByName("172.31.255.1")));
    assertTrue(!AddressRange.parse("172.16.0.0/12").contains(InetAddress.getByName("172.32.0.1")));
    assertTrue(AddressRange.parse("::1").contains(InetAddress.getByName("::1")));
    assertTrue(!AddressRange.parse("127.0.0.1").contains(InetAddress.getByName("::1")));
    assertEquals(InetAddress.getByName("10.1.2.3"), AddressRange.numeric("10.1.2.3"));
    for (String name : new String[] {"1.2.3.4.5", "256.1.1.1", "example.com", "10.0.0.1%lo"}) {
      assertEquals(null, AddressRange.numeric(name), name + " is not written as numbers (and is not looked up)");
    }
    for (String bad : new String[] {"haproxy", "10.0.0.0/33", "10.0.0.0/x", "1.2.3.4.5"}) {
      assertThrows(IllegalArgumentException.class, () -> AddressRange.parse(bad), bad);
    }
  }
}
