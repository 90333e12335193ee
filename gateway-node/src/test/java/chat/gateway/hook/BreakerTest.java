package chat.gateway.hook;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BreakerTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final Breaker breaker = new Breaker(3, 500, now::get);

  @Test
  void opensAfterFailuresInARowAndLetsOneProbeThroughAfterTheWhile() {
    breaker.failed();
    breaker.failed();
    breaker.succeeded(); // a success in between: not in a row
    breaker.failed();
    breaker.failed();
    assertTrue(breaker.allow());
    assertFalse(breaker.open());
    breaker.failed();
    assertTrue(breaker.open());
    assertFalse(breaker.allow(), "open: refused at once");
    now.addAndGet(499);
    assertFalse(breaker.allow());
    now.addAndGet(1);
    assertTrue(breaker.allow(), "the while is over: one probe");
    assertFalse(breaker.allow(), "only one");
    breaker.failed();
    assertFalse(breaker.allow(), "the probe failed: open again for the while");
    now.addAndGet(500);
    assertTrue(breaker.allow());
    breaker.succeeded();
    assertFalse(breaker.open());
    assertTrue(breaker.allow() && breaker.allow(), "closed: every call goes");
  }

  @Test
  void aProbeThatNeverReachedTheHookLetsAnotherTry() {
    for (int i = 0; i < 3; i++) {
      breaker.failed();
    }
    now.addAndGet(500);
    assertTrue(breaker.allow());
    breaker.released(); // refused by the node's own bound before it was sent
    assertTrue(breaker.allow());
  }
}
