package chat.loadtest;

/**
 * Reads the load tester's own messages without a JSON parser, when they come in the shape the gateway
 * writes them ({@code {"type":"message","channel":...,"position":...,...,"body":{"s":..,"n":..,"t":..}}})
 * or, in a chat room, as sent ({@code {"s":..,"n":..,"t":..}}): at tens of thousands of deliveries a second
 * the driver's parsing is what it measures otherwise. Anything else returns null and takes the full decode.
 */
final class FastFrames {
  static final String MESSAGE = "{\"type\":\"message\",\"channel\":\"";
  private static final String POSITION = "\",\"position\":\"";
  private static final String BODY = ",\"body\":";

  /** A message frame of ours: its channel, position and body numbers. */
  record Delivery(String channel, String position, long sender, long n, long due) {
  }

  private FastFrames() {
  }

  /** A gateway message frame carrying one of our bodies, or null. */
  static Delivery message(String text) {
    if (!text.startsWith(MESSAGE)) {
      return null;
    }
    int channelEnd = text.indexOf('"', MESSAGE.length());
    int position = text.indexOf(POSITION, channelEnd);
    int body = text.indexOf(BODY, position);
    if (channelEnd < 0 || position < 0 || body < 0) {
      return null;
    }
    int positionStart = position + POSITION.length();
    long[] numbers = body(text, body + BODY.length());
    if (numbers == null) {
      return null;
    }
    return new Delivery(text.substring(MESSAGE.length(), channelEnd),
        text.substring(positionStart, text.indexOf('"', positionStart)), numbers[0], numbers[1], numbers[2]);
  }

  /** {@code {"s":S,"n":N,"t":T}} at {@code from}: {S, N, T}, or null. */
  static long[] body(String text, int from) {
    if (!text.startsWith("{\"s\":", from)) {
      return null;
    }
    long[] out = new long[3];
    int i = from + 5;
    String[] next = {",\"n\":", ",\"t\":", "}"};
    for (int k = 0; k < 3; k++) {
      int start = i;
      while (i < text.length() && (Character.isDigit(text.charAt(i)) || (i == start && text.charAt(i) == '-'))) {
        i++;
      }
      if (i == start || !text.startsWith(next[k], i)) {
        return null;
      }
      out[k] = Long.parseLong(text, start, i, 10);
      i += next[k].length();
    }
    return out;
  }
}
