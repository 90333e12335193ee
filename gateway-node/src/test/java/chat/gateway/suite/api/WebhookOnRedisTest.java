package chat.gateway.suite.api;

import chat.gateway.testing.TestNode;

/** {@link WebhookTest} on one Redis: the scripts record the events with what they report, the lease's holder posts. */
class WebhookOnRedisTest extends WebhookTest {
  @Override
  protected void useStore(boolean on) {
    TestNode.useRedis(on);
  }
}
