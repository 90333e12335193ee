package chat.gateway.suite.faults;

import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import chat.gateway.redis.RedisKeys;
import chat.gateway.testing.Await;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.CloseCode;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis at its {@code maxmemory} with {@code noeviction} (what fills it in a deployment is mostly dedupe records:
 * README, {@code DEDUPE_TTL}): it refuses every write that needs memory, while it still answers reads, deletes
 * and pub/sub. Two nodes ride through it: a send is refused {@code unavailable} (no ack, so the client sends again),
 * a new session is refused and closed to reconnect, the sessions held stay open and keep receiving, and once
 * Redis has room the resend is stored once and the registry holds every session again, though the nodes'
 * liveness lapsed meanwhile (its renewal is a write too).
 */
class RedisFullTest {
  private final List<AutoCloseable> opened = new ArrayList<>();
  private final RedisFixture redis = RedisFixture.get();
  private TestNode a;
  private TestNode b;
  private RedisKeys keys;

  @BeforeEach
  void cluster() {
    assumeFalse(redis.source().equals("env"), "a Redis given by REDIS_URL is not this test's to fill");
    TestNode.useRedis(true);
    String prefix = TestNode.newPrefix();
    keys = RedisKeys.standalone(prefix);
    List<String> common = List.of("REDIS_KEY_PREFIX", prefix, "REDIS_TIMEOUT", "1s", "NODE_TTL", "2s");
    a = start(common, "gw-a");
    b = start(common, "gw-b");
  }

  private TestNode start(List<String> common, String id) {
    List<String> settings = new ArrayList<>(common);
    settings.addAll(List.of("NODE_ID", id));
    TestNode node = TestNode.start(settings.toArray(String[]::new));
    opened.add(node);
    return node;
  }

  @AfterEach
  void stop() throws Exception {
    if (keys == null) {
      return;
    }
    room();
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    TestNode.useRedis(false);
  }

  /** Redis is full: any write that needs memory is refused with OOM (reads, deletes and PUBLISH still run). */
  private void full() {
    redis.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
    redis.call("CONFIG", "SET", "maxmemory", "1");
  }

  private void room() {
    redis.call("CONFIG", "SET", "maxmemory", "0");
  }

  private boolean alive(String node) {
    return redis.number("EXISTS", keys.nodeAlive(node)) == 1;
  }

  @Test
  void aFullRedisRefusesWritesClearlyKeepsTheSessionsAndLosesNothingAcked() {
    WsProbe alice = a.member("alice", "group/dev");
    WsProbe bob = b.member("bob", "group/dev");
    alice.send(send(1, "group/dev", "before"));
    String first = alice.next("ack").getString("id");
    assertEquals(first, bob.next("message").getString("id"));

    full();
    alice.send(send(2, "group/dev", "while full"));
    JsonObject refused = alice.next("ack", "error");
    assertEquals("unavailable", refused.getString("code"), "a send Redis cannot store is refused, not acked");
    assertEquals(2, refused.getInteger("seq"));
    assertTrue(refused.getBoolean("temporary"));
    WsProbe carol = a.probe();
    carol.send(new JsonObject().put("type", "connect").put("user", "carol"));
    assertEquals("unavailable", carol.next("connected", "error").getString("code"), "a new session cannot register");
    Await.until("carol told to reconnect", carol::isClosed);
    assertEquals(CloseCode.DRAINING.code(), carol.closeCode());
    Await.until("both nodes' liveness lapsed (its renewal is a write)", () -> !alive("gw-a") && !alive("gw-b"));
    assertEquals(200, a.management(HttpMethod.GET, "/ready").status(), "pub/sub and reads still work: ready");
    assertFalse(alice.isClosed(), "the sessions held stay");
    assertFalse(bob.isClosed());

    room();
    Await.until("both nodes alive again", () -> alive("gw-a") && alive("gw-b"));
    alice.send(send(2, "group/dev", "while full"));
    String resent = alice.next("ack").getString("id");
    assertEquals(resent, bob.next("message").getString("id"), "the resend is stored and delivered");
    alice.send(send(2, "group/dev", "while full"));
    assertEquals(resent, alice.next("ack").getString("id"), "once");
    assertTrue(bob.drainUntilPong().stream().noneMatch(f -> "message".equals(f.getString("type"))), "no repeats");
    Await.until("alice and bob in the registry again", () -> b.online("alice") && a.online("bob"));
    assertFalse(alice.isClosed());
    assertFalse(bob.isClosed());
    a.member("carol", "group/dev");
  }
}
