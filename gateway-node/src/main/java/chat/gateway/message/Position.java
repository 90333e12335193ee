package chat.gateway.message;

import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a message stands in one channel's history. {@code epoch} names one incarnation of that history
 * (it changes when the history is lost), {@code major}/{@code minor} order messages within it (a Redis
 * stream id, or a counter with minor 0 in memory). On the wire it is opaque: {@code epoch.major-minor}.
 */
public record Position(String epoch, long major, long minor) implements Comparable<Position> {

  /** The position before any message of {@code epoch}. */
  public static Position start(String epoch) {
    return new Position(epoch, 0, 0);
  }

  /** A new epoch: random, so a history lost and started again does not reuse one. */
  public static String newEpoch() {
    return Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50), 36);
  }

  /** Where a Redis stream's history stands: its newest entry {@code last} in {@code epoch}, or its start when empty. */
  public static Position head(String epoch, String last) {
    return last.isEmpty() ? start(epoch) : ofStreamId(epoch, last);
  }

  public static Position parse(String wire) {
    int dot = wire == null ? -1 : wire.lastIndexOf('.');
    int dash = wire == null ? -1 : wire.lastIndexOf('-');
    if (dot < 1 || dash < dot + 2 || dash == wire.length() - 1) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "not a position of this server");
    }
    try {
      long major = Long.parseLong(wire, dot + 1, dash, 10);
      long minor = Long.parseLong(wire, dash + 1, wire.length(), 10);
      if (major < 0 || minor < 0) {
        throw new NumberFormatException();
      }
      return new Position(wire.substring(0, dot), major, minor);
    } catch (NumberFormatException e) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "not a position of this server");
    }
  }

  /** The position of a Redis stream entry ({@code ms-seq}) in {@code epoch}. */
  public static Position ofStreamId(String epoch, String streamId) {
    int dash = streamId.indexOf('-');
    return new Position(epoch, Long.parseLong(streamId, 0, dash, 10),
        Long.parseLong(streamId, dash + 1, streamId.length(), 10));
  }

  /** The Redis stream id of this position ({@code ms-seq}). */
  public String streamId() {
    return major + "-" + minor;
  }

  public String wire() {
    return epoch + "." + major + "-" + minor;
  }

  /** Order within one epoch; comparing positions of different epochs is meaningless. */
  @Override
  public int compareTo(Position other) {
    int c = Long.compare(major, other.major);
    return c != 0 ? c : Long.compare(minor, other.minor);
  }

  public boolean sameEpoch(Position other) {
    return epoch.equals(other.epoch);
  }

  @Override
  public String toString() {
    return wire();
  }
}
