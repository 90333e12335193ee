package chat.loadtest;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last position a session was delivered in each of its channels: what it resumes from when it connects
 * again, and what tells whether a delivery came in order (its position after the one before).
 *
 * <p>Positions are opaque to clients; the load tester is the gateway's own tool and compares them as what
 * they are ({@code epoch.major-minor}, a stream id after the epoch). It reads them in place from the frame's
 * bytes, for every delivery, so it allocates nothing unless a channel or an epoch is new. A session has a
 * handful of channels (its user channel, its group, broadcast), so they are a list, searched in order.
 */
final class Positions {
  private final List<Cursor> cursors = new ArrayList<>(2);

  private static final class Cursor {
    final String channel;
    final byte[] name;
    /** The position's text, up to its last dot; major and minor are -1 when the position is not of that shape. */
    byte[] epoch;
    long major;
    long minor;

    Cursor(String channel) {
      this.channel = channel;
      this.name = channel.getBytes(StandardCharsets.UTF_8);
    }

    String wire() {
      String e = new String(epoch, StandardCharsets.UTF_8);
      return major < 0 ? e : e + "." + major + "-" + minor;
    }
  }

  /**
   * Records the position at [{@code positionStart}, {@code positionEnd}) of {@code frame} for the channel named
   * at [{@code channelStart}, {@code channelEnd}); true when it comes after the channel's previous one, or there
   * was none, or it starts a new epoch (the history was lost and the order starts again).
   */
  boolean advance(Buffer frame, int channelStart, int channelEnd, int positionStart, int positionEnd) {
    Cursor cursor = find(frame, channelStart, channelEnd);
    if (cursor == null) {
      cursor = new Cursor(frame.getString(channelStart, channelEnd, "UTF-8"));
      cursors.add(cursor);
    }
    int dot = FastFrames.lastIndexOf(frame, positionStart, positionEnd, (byte) '.');
    int dash = dot < 0 ? -1 : FastFrames.indexOf(frame, dot, (byte) '-');
    long major = dash < 0 || dash >= positionEnd ? -1 : FastFrames.number(frame, dot + 1, dash);
    long minor = major < 0 ? -1 : FastFrames.number(frame, dash + 1, positionEnd);
    if (minor < 0) {
      major = -1;
      dot = positionEnd;   // not epoch.major-minor: kept whole, and not compared (it cannot be)
    }
    boolean sameEpoch = cursor.epoch != null && cursor.major >= 0 && major >= 0
        && equals(frame, positionStart, dot, cursor.epoch);
    boolean inOrder = !sameEpoch || major > cursor.major || (major == cursor.major && minor > cursor.minor);
    if (!sameEpoch) {
      cursor.epoch = frame.getBytes(positionStart, dot);
    }
    cursor.major = major;
    cursor.minor = minor;
    return inOrder;
  }

  /** {@link #advance(Buffer, int, int, int, int)} for a message the full decode read. */
  boolean advance(String channel, String position) {
    Buffer both = Buffer.buffer(channel);
    int split = both.length();
    both.appendString(position);
    return advance(both, 0, split, split, both.length());
  }

  /** The channel's history was lost: nothing to resume from, and no order to keep. */
  void forget(String channel) {
    cursors.removeIf(c -> c.channel.equals(channel));
  }

  /** Channel to position, to resume every channel from where it was. */
  Map<String, String> resume() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Cursor c : cursors) {
      out.put(c.channel, c.wire());
    }
    return out;
  }

  private Cursor find(Buffer frame, int start, int end) {
    for (Cursor c : cursors) {
      if (equals(frame, start, end, c.name)) {
        return c;
      }
    }
    return null;
  }

  private static boolean equals(Buffer frame, int start, int end, byte[] bytes) {
    return end - start == bytes.length && FastFrames.startsWith(frame, start, bytes);
  }
}
