package chat.gateway.redis;

import java.nio.charset.StandardCharsets;

/**
 * Redis Cluster's key-to-slot function: CRC16 (XMODEM) of the key, or of its hash tag (the text between the
 * first {@code {} and the next {@code }}, when not empty), modulo 16384.
 */
public final class Slots {
  public static final int COUNT = 16384;
  private static final int[] TABLE = new int[256];

  static {
    for (int i = 0; i < 256; i++) {
      int crc = i << 8;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      TABLE[i] = crc & 0xffff;
    }
  }

  private Slots() {
  }

  /** For each slot, the smallest number whose decimal digits hash to it (filled on first use of {@link #tag}). */
  private static volatile int[] tags;

  /**
   * A hash tag of {@code slot}: the smallest number whose decimal digits hash there. Names one slot's key
   * ({@code "webhook:events:{" + tag(s) + "}"}) for what is kept per slot rather than per channel.
   */
  public static String tag(int slot) {
    int[] table = tags;
    if (table == null) {
      table = new int[COUNT];
      java.util.Arrays.fill(table, -1);
      int left = COUNT;
      for (int n = 0; left > 0; n++) { // about 170,000 numbers cover every slot
        int s = of(Integer.toString(n));
        if (table[s] < 0) {
          table[s] = n;
          left--;
        }
      }
      tags = table;
    }
    return Integer.toString(table[slot]);
  }

  public static int of(String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    int from = 0;
    int to = bytes.length;
    int open = indexOf(bytes, (byte) '{', 0);
    if (open >= 0) {
      int close = indexOf(bytes, (byte) '}', open + 1);
      if (close > open + 1) {
        from = open + 1;
        to = close;
      }
    }
    int crc = 0;
    for (int i = from; i < to; i++) {
      crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ bytes[i]) & 0xff]) & 0xffff;
    }
    return crc & (COUNT - 1);
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
