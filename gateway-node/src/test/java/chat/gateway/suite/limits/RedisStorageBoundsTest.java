package chat.gateway.suite.limits;

import static chat.gateway.testing.Frames.join;
import static chat.gateway.testing.Frames.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.MutableClock;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a user leaves in Redis: every key that a message or a join creates expires with the history window,
 * and the group's member set, not a session's copy of it, decides whether a group send is stored.
 */
class RedisStorageBoundsTest {
  private final RedisFixture redis = RedisFixture.get();
  private final String prefix = TestNode.newPrefix();
  private TestNode node;

  @BeforeEach
  void start() {
    TestNode.useRedis(true);
    node = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-s", "HISTORY_MAX_AGE", "1h", "DEDUPE_TTL", "1h");
  }

  @AfterEach
  void stop() {
    node.close();
    TestNode.useRedis(false);
  }

  @Test
  void everyKeyThatMessagesAndJoinsCreateExpiresWithTheHistoryWindow() {
    WsProbe alice = node.connected("alice");
    for (int i = 1; i <= 20; i++) {
      alice.send(send(i, "user/stranger" + i, "hello")).next("ack");
    }
    alice.send(join(1, "group/passing")).next("joined");
    alice.send(new JsonObject().put("type", "leave").put("ref", 2).put("channel", "group/passing")).next("left");
    alice.send(join(3, "group/kept")).next("joined");
    alice.send(send(21, "group/kept", "hi")).next("ack");

    // What stays without an expiry is what a live session or a membership needs, nothing per message.
    List<String> lasting = List.of(prefix + "nodes", prefix + "online", prefix + "dataset",
        prefix + "sessions:alice", prefix + "node-sessions:gw-s", prefix + "groups:alice",
        prefix + "members:kept");
    List<String> permanent = new ArrayList<>();
    int expiring = 0;
    for (String key : redis.strings("KEYS", prefix + "*")) {
      long ttl = redis.number("PTTL", key);
      if (ttl == -1 && !lasting.contains(key)) {
        permanent.add(key);
      } else if (ttl >= 0) {
        // a channel's keys live HISTORY_MAX_AGE after its last write, and at most a 64th more (lib/expiry.lua)
        assertTrue(ttl <= 3_600_000 + 3_600_000 / 64, key + " expires in " + ttl + " ms, past HISTORY_MAX_AGE");
        expiring++;
      }
    }
    assertEquals(List.of(), permanent, "keys that would stay forever");
    // 20 strangers' streams and metas, alice's own, the dedupe records, group/kept's, the passing group's meta
    assertTrue(expiring >= 20 * 2 + 2 + 21, "expiring keys: " + expiring);
    assertEquals(0, redis.number("EXISTS", prefix + "members:passing"), "a left group keeps no member set");
  }

  @Test
  void aHistoryPageMakesRedisSendNoMoreThanThePageHolds() {
    node.close();
    // 16 KiB pages (OUTBOUND_QUEUE_BYTES / 2, at least 16 KiB) over 60 messages of 8 KiB: 480 KiB stored
    node = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-s", "OUTBOUND_QUEUE_BYTES", "32768",
        "RATE_LIMIT_BURST", "1000");
    WsProbe alice = node.connected("alice");
    alice.send(join(1, "group/big")).next("joined");
    for (int i = 1; i <= 60; i++) {
      alice.send(send(i, "group/big", "x".repeat(8 * 1024)));
      alice.next("ack");
      alice.next("message");
    }
    long before = redis.info("stats", "total_net_output_bytes");
    alice.send(new JsonObject().put("type", "history").put("ref", 2).put("channel", "group/big").put("limit", 100));
    JsonObject page = alice.next("history");
    long sent = redis.info("stats", "total_net_output_bytes") - before;
    assertTrue(page.getBoolean("more"));
    int returned = page.getJsonArray("messages").size();
    assertTrue(returned >= 1 && returned <= 2, "a 16 KiB page holds one or two 8 KiB messages: " + returned);
    assertTrue(sent < 64 * 1024, "Redis sent " + sent + " bytes for a page of " + returned + " messages");
  }

  @Test
  void theNodeExportsHowMuchMemoryRedisUsesAndMayUse() {
    String metrics = node.management(io.vertx.core.http.HttpMethod.GET, "/metrics").body();
    java.util.regex.Matcher used = java.util.regex.Pattern.compile(
        "chat_store_memory_used_bytes\\{store=\"redis\"} ([0-9.E]+)").matcher(metrics);
    java.util.regex.Matcher limit = java.util.regex.Pattern.compile(
        "chat_store_memory_limit_bytes\\{store=\"redis\"} ([0-9.E]+)").matcher(metrics);
    assertTrue(used.find() && limit.find(), metrics);
    assertTrue(Double.parseDouble(used.group(1)) > 0);
    assertTrue(Double.parseDouble(limit.group(1)) >= Double.parseDouble(used.group(1)));
  }

  @Test
  void aUserInManyGroupsCostsAFewSubscribesNotOneEach() {
    int groups = 300;
    for (int i = 0; i < groups; i++) {
      redis.call("SADD", prefix + "groups:alice", "g" + i);
      redis.call("SADD", prefix + "members:g" + i, "alice");
    }
    long subscribes = redis.calls("SUBSCRIBE");
    WsProbe alice = node.connected("alice");
    long subscribed = redis.calls("SUBSCRIBE") - subscribes;
    assertTrue(subscribed <= 5, "connecting into " + groups + " groups took " + subscribed + " SUBSCRIBE commands");
    alice.send(send(1, "group/g" + (groups - 1), "the last group is live")).next("ack");
    assertEquals("group/g" + (groups - 1), alice.next("message").getString("channel"));

    long unsubscribes = redis.calls("UNSUBSCRIBE");
    alice.close();
    alice.closeCode();
    Await.until("the node left the user's groups",
        () -> redis.strings("PUBSUB", "CHANNELS", prefix + "ch:group/*").isEmpty());
    long unsubscribed = redis.calls("UNSUBSCRIBE") - unsubscribes;
    assertTrue(unsubscribed <= 5, "leaving " + groups + " groups took " + unsubscribed + " UNSUBSCRIBE commands");
  }

  @Test
  void aGroupSendIsRefusedOnceTheMemberSetNoLongerHoldsTheSender() {
    WsProbe alice = node.connected("alice");
    alice.send(join(1, "group/dev")).next("joined");
    alice.send(send(1, "group/dev", "while a member")).next("ack");
    alice.next("message");
    // The membership goes away behind the session's back (as a leave racing a connect elsewhere would).
    redis.call("SREM", prefix + "members:dev", "alice");
    redis.call("SREM", prefix + "groups:alice", "dev");
    alice.send(send(2, "group/dev", "not any more"));
    JsonObject refused = alice.next("error");
    assertEquals("forbidden", refused.getString("code"));
    assertEquals(2L, refused.getLong("seq"));
    assertEquals(1, redis.number("XLEN", prefix + "stream:group/dev"), "only the first message was stored");
    // the refusal leaves nothing behind its seq: once a member again, the same send is stored, not taken for a repeat
    redis.call("SADD", prefix + "members:dev", "alice");
    redis.call("SADD", prefix + "groups:alice", "dev");
    alice.send(send(2, "group/dev", "a member again"));
    JsonObject ack = alice.next("ack");
    assertEquals(false, ack.getBoolean("duplicate", false), ack.encode());
    assertEquals("a member again", alice.next("message").getString("body"));
    assertEquals(2, redis.number("XLEN", prefix + "stream:group/dev"));
  }

  /**
   * A busy channel's keys are not renewed per message but once a 64th of HISTORY_MAX_AGE has passed since the last
   * renewal (message time), each time to the window and a 64th more: they never expire sooner than the window after
   * the channel's last message.
   */
  /** When a channel's keys were last renewed (ms, message time): the meta hash's 'renewed'. */
  private long renewedAt(String meta) {
    return Long.parseLong(String.valueOf(redis.call("HGET", meta, "renewed")));
  }

  @Test
  void aBusyChannelsExpiryIsRenewedOnceEverySixtyFourthOfTheWindow() {
    node.close();
    MutableClock clock = new MutableClock();
    node = TestNode.start(clock, "REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-s", "HISTORY_MAX_AGE", "64s");
    WsProbe alice = node.connected("alice");
    alice.send(join(1, "group/dev")).next("joined");
    String meta = prefix + "meta:group/dev";
    String stream = prefix + "stream:group/dev";
    alice.send(send(1, "group/dev", "first")).next("ack");
    long first = renewedAt(meta);
    alice.send(send(2, "group/dev", "within a second")).next("ack");
    assertEquals(first, renewedAt(meta), "renewed again at once");
    clock.advance(Duration.ofSeconds(2)); // past a 64th of the window (1 s)
    alice.send(send(3, "group/dev", "two seconds on")).next("ack");
    long third = renewedAt(meta);
    assertTrue(third >= first + 2000, "renewed at the third message: " + first + " then " + third);
    for (String key : List.of(stream, meta)) {
      long ttl = redis.number("PTTL", key);
      assertTrue(ttl > 63_000 && ttl <= 65_000, key + " expires in " + ttl + " ms, not the window and a 64th");
    }
  }

  /**
   * A group send at its window's cap costs Redis one script: a read and a write of the channel's meta hash, the
   * dedupe claim, the membership check, an XADD that trims, and the PUBLISH. No trim, count or expiry command of its
   * own (the expiry is renewed a 64th of the window at a time), and the window shown stays exact.
   */
  @Test
  void aGroupSendAtTheWindowsCapRunsNoTrimCountOrExpiryCommandOfItsOwn() {
    node.close();
    node = TestNode.start("REDIS_KEY_PREFIX", prefix, "NODE_ID", "gw-s", "HISTORY_MAX_AGE", "1h",
        "HISTORY_MAX_MESSAGES", "5", "RATE_LIMIT_BURST", "1000");
    WsProbe alice = node.connected("alice");
    alice.send(join(1, "group/dev")).next("joined");
    for (int i = 1; i <= 10; i++) { // past the cap, and the expiry renewed once
      alice.send(send(i, "group/dev", "m" + i)).next("ack");
      alice.next("message");
    }
    List<String> commands = List.of("XADD", "HMGET", "XTRIM", "XLEN", "XRANGE", "XREVRANGE", "HINCRBY", "PEXPIRE");
    List<Long> before = commands.stream().map(redis::calls).toList();
    for (int i = 11; i <= 40; i++) {
      alice.send(send(i, "group/dev", "m" + i)).next("ack");
      alice.next("message");
    }
    java.util.Map<String, Long> ran = new java.util.TreeMap<>();
    for (int c = 0; c < commands.size(); c++) {
      ran.put(commands.get(c), redis.calls(commands.get(c)) - before.get(c));
    }
    assertEquals(30L, ran.get("XADD"), ran.toString());
    assertEquals(30L, ran.get("HMGET"), ran.toString());
    for (String none : List.of("XTRIM", "XLEN", "XRANGE", "XREVRANGE", "HINCRBY")) {
      assertEquals(0L, ran.get(none), none + " ran: " + ran);
    }
    assertTrue(ran.get("PEXPIRE") < 10, "the sends renewed expiries: " + ran); // a node's heartbeats renew its own keys
    // the stream trims in whole nodes (of stream-node-max-entries, 100 by default): the window is what is shown
    long kept = redis.number("XLEN", prefix + "stream:group/dev");
    assertTrue(kept >= 6 && kept <= 6 + 100, "the window, the newest entry past it, at most a node more: " + kept);
    alice.send(new JsonObject().put("type", "history").put("ref", 2).put("channel", "group/dev"));
    assertEquals(List.of("m36", "m37", "m38", "m39", "m40"), alice.next("history").getJsonArray("messages").stream()
        .map(m -> ((JsonObject) m).getString("body")).toList());
  }
}
