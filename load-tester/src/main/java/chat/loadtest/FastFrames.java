package chat.loadtest;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads the load tester's own messages from a frame's bytes, without a JSON parser and without decoding
 * the frame to a String, when they come in the shape the gateway writes them
 * ({@code {"type":"message","channel":...,"position":...,...,"body":{"s":..,"n":..,"t":..}}}) or, in a chat
 * room, as sent ({@code {"s":..,"n":..,"t":..}}): at tens of thousands of deliveries a second the driver's
 * parsing (and the garbage of a String per frame) is what it measures otherwise, more so for the gateway's
 * longer frames than for a chat room's. Anything else reads false and takes the full decode.
 *
 * <p>One reader per session (confined to its event loop): a read fills the fields below, valid until the
 * next read.
 */
final class FastFrames {
  private static final byte[] MESSAGE = ascii("{\"type\":\"message\",\"channel\":\"");
  private static final byte[] POSITION = ascii("\",\"position\":\"");
  private static final byte[] BODY = ascii(",\"body\":");
  private static final byte[] SENDER = ascii("{\"s\":");
  private static final byte[][] AFTER_NUMBER = {ascii(",\"n\":"), ascii(",\"t\":"), ascii("}")};

  /** Where the channel name and the position are in the frame read last ({@link #message}): [start, end). */
  int channelStart;
  int channelEnd;
  int positionStart;
  int positionEnd;
  /** The body's numbers: the sender's index, its message number, and when the message was due (µs). */
  long sender;
  long n;
  long due;

  /** A gateway message frame carrying one of our bodies: true, and the fields say where and what. */
  boolean message(Buffer frame) {
    if (!startsWith(frame, 0, MESSAGE)) {
      return false;
    }
    channelStart = MESSAGE.length;
    channelEnd = indexOf(frame, channelStart, (byte) '"');
    int position = indexOf(frame, channelEnd, POSITION);
    int body = indexOf(frame, position, BODY);
    if (channelEnd < 0 || position < 0 || body < 0) {
      return false;
    }
    positionStart = position + POSITION.length;
    positionEnd = indexOf(frame, positionStart, (byte) '"');
    return positionEnd >= 0 && body(frame, body + BODY.length);
  }

  /** {@code {"s":S,"n":N,"t":T}} at {@code from}: true, and {@link #sender}, {@link #n}, {@link #due} say them. */
  boolean body(Buffer frame, int from) {
    if (!startsWith(frame, from, SENDER)) {
      return false;
    }
    int i = from + SENDER.length;
    for (int k = 0; k < 3; k++) {
      boolean negative = i < frame.length() && frame.getByte(i) == '-';
      int start = negative ? i + 1 : i;
      i = start;
      while (i < frame.length() && Character.isDigit(frame.getByte(i))) {
        i++;
      }
      long value = number(frame, start, i);
      if (value < 0 || !startsWith(frame, i, AFTER_NUMBER[k])) {
        return false;
      }
      value = negative ? -value : value;
      switch (k) {
        case 0 -> sender = value;
        case 1 -> n = value;
        default -> due = value;
      }
      i += AFTER_NUMBER[k].length;
    }
    return true;
  }

  static boolean startsWith(Buffer frame, int at, byte[] literal) {
    if (at < 0 || at + literal.length > frame.length()) {
      return false;
    }
    for (int i = 0; i < literal.length; i++) {
      if (frame.getByte(at + i) != literal[i]) {
        return false;
      }
    }
    return true;
  }

  static int indexOf(Buffer frame, int from, byte b) {
    for (int i = Math.max(0, from); i < frame.length(); i++) {
      if (frame.getByte(i) == b) {
        return i;
      }
    }
    return -1;
  }

  /** The last {@code b} in [start, end), or -1. */
  static int lastIndexOf(Buffer frame, int start, int end, byte b) {
    for (int i = end - 1; i >= start; i--) {
      if (frame.getByte(i) == b) {
        return i;
      }
    }
    return -1;
  }

  /** The decimal number at [start, end), or -1 when it is not one or has more than 18 digits (past a long). */
  static long number(Buffer frame, int start, int end) {
    if (end <= start || end - start > 18) {
      return -1;
    }
    long value = 0;
    for (int i = start; i < end; i++) {
      byte b = frame.getByte(i);
      if (b < '0' || b > '9') {
        return -1;
      }
      value = value * 10 + (b - '0');
    }
    return value;
  }

  private static int indexOf(Buffer frame, int from, byte[] literal) {
    if (from < 0) {
      return -1;
    }
    for (int i = indexOf(frame, from, literal[0]); i >= 0; i = indexOf(frame, i + 1, literal[0])) {
      if (startsWith(frame, i, literal)) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
