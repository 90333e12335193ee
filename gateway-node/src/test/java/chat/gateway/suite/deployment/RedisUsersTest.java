package chat.gateway.suite.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.RedisUsers;
import chat.gateway.testing.Resp;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * The Redis users of redis/users.conf, on the tests' Redis (every Redis test's node signs in as the gateway
 * user, so the whole suite shows that it is allowed enough): what the gateway user and an anonymous client
 * cannot do.
 */
class RedisUsersTest {
  private final RedisFixture redis = RedisFixture.get();

  private Object asGateway(String... command) {
    URI uri = URI.create(redis.url());
    return Resp.callAs(uri.getHost(), uri.getPort(), RedisUsers.GATEWAY, RedisUsers.GATEWAY_PASSWORD, command);
  }

  private static String error(Object reply) {
    assertTrue(reply instanceof Resp.Error, "refused: " + reply);
    return ((Resp.Error) reply).message();
  }

  @Test
  void nobodySignsInWithoutAUser() {
    assumeTrue(redis.local(), "a Redis of REDIS_URL or a container has its own users");
    URI uri = URI.create(redis.url());
    assertTrue(error(Resp.callAs(uri.getHost(), uri.getPort(), null, null, "PING")).startsWith("NOAUTH"));
  }

  @Test
  void theGatewayUserReachesItsOwnKeysOnly() {
    assumeTrue(redis.local(), "a Redis of REDIS_URL or a container has its own users");
    assertEquals("OK", asGateway("SET", RedisUsers.KEY_PREFIX + "users-test", "1"));
    assertTrue(error(asGateway("SET", "another-application:key", "1")).startsWith("NOPERM"));
    assertTrue(error(asGateway("GET", "another-application:key")).startsWith("NOPERM"));
    assertTrue(error(asGateway("PUBLISH", "another-application:topic", "x")).startsWith("NOPERM"));
  }

  @Test
  void theGatewayUserCannotRunWhatItNeverNeeds() {
    assumeTrue(redis.local(), "a Redis of REDIS_URL or a container has its own users");
    for (String[] command : new String[][] {{"FLUSHALL"}, {"CONFIG", "GET", "requirepass"}, {"KEYS", "*"},
        {"ACL", "LIST"}, {"SHUTDOWN"}, {"CLIENT", "KILL", "TYPE", "normal"},
        {"SCRIPT", "FLUSH"}, {"MONITOR"}}) {
      assertTrue(error(asGateway(command)).startsWith("NOPERM"), String.join(" ", command));
    }
  }
}
