package chat.gateway.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Runs a test class with its nodes in cluster mode on {@link RedisFixture}: {@code @ExtendWith(OnRedis.class)}. */
public final class OnRedis implements BeforeAllCallback, AfterAllCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    TestNode.useRedis(true);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    TestNode.useRedis(false);
  }
}
