package chat.gateway.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The slots Redis itself gives (CLUSTER KEYSLOT), hash tags included. */
class SlotsTest {

  @Test
  void keysHashLikeRedisClusterHashesThem() {
    assertEquals(12739, Slots.of("123456789")); // CRC16/XMODEM check value 0x31C3, mod 16384
    assertEquals(11058, Slots.of("somekey")); // the examples of CLUSTER KEYSLOT's documentation
    assertEquals(2515, Slots.of("foo{hash_tag}"));
    assertEquals(Slots.of("user1000"), Slots.of("{user1000}.following"));
    assertEquals(Slots.of("group/dev"), Slots.of("chat:stream:{group/dev}"));
    assertEquals(Slots.of("chat:x:{}"), Slots.of("chat:x:{}")); // an empty tag hashes the whole key
    assertEquals(Slots.of("{}{a}"), Slots.of("{}{a}"));
  }
}
