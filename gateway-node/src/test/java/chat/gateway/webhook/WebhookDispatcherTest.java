package chat.gateway.webhook;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WebhookDispatcherTest {
  @Test
  void retriesWaitHalfASecondDoublingToAMinuteWithJitter() {
    for (int i = 0; i < 200; i++) {
      long first = WebhookDispatcher.retryDelay(1);
      assertTrue(first >= 250 && first <= 500, "first retry: " + first);
      long third = WebhookDispatcher.retryDelay(3);
      assertTrue(third >= 1_000 && third <= 2_000, "third retry: " + third);
      long late = WebhookDispatcher.retryDelay(40);
      assertTrue(late >= 30_000 && late <= 60_000, "never past a minute: " + late);
    }
  }
}
