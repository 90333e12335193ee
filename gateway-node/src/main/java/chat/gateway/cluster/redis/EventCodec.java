package chat.gateway.cluster.redis;

import chat.gateway.cluster.Event;
import chat.gateway.message.MessageFrames;
import chat.gateway.message.Position;
import chat.gateway.message.StoredMessage;

/**
 * Events as pub/sub payloads: a letter, then {@code |}-separated fields (none of which can hold a
 * {@code |}: ids, channel names, numbers), and last the message body, which may. The same format is
 * written by {@code publish.lua}.
 * <pre>
 * M|channel|epoch|streamId|id|from|to|ts|body   a stored message
 * E|channel|user|kind                          a member event
 * V|channel|epoch|streamId|id|from|to|ts|r or d|target|body   (1.1) an edit or a deletion (no body) of target
 * C|channel|kind|group                         a control event for one user's sessions
 * K|node|nonce                                 the canary
 * D|node                                        a request to drain that node
 * T|channel|user|named                         user typing, for the sessions of channel (named: as they see it)
 * R|channel|named|user|position|id|session     user's read marker, for the sessions of channel but session
 * S|node|count                                  a request to that node to shed count connections (a rebalance)
 * </pre>
 */
public final class EventCodec {
  private EventCodec() {
  }

  /** The payload of a signal (messages are published by publish.lua, in the same call that stores them). */
  public static String encode(Event.Signal signal) {
    if (signal instanceof Event.Member m) {
      return "E|" + m.channel() + "|" + m.user() + "|" + m.kind();
    }
    if (signal instanceof Event.Typing t) {
      return "T|" + t.channel() + "|" + t.user() + "|" + t.named();
    }
    if (signal instanceof Event.Read r) {
      return "R|" + r.channel() + "|" + r.named() + "|" + r.user() + "|" + r.position() + "|" + r.id() + "|" + r.session();
    }
    Event.Control c = (Event.Control) signal; // the only other signal
    return "C|" + c.channel() + "|" + c.kind().name() + "|" + (c.group() == null ? "" : c.group());
  }

  public static String canary(String node, long nonce) {
    return "K|" + node + "|" + nonce;
  }

  public static String drain(String node) {
    return "D|" + node;
  }

  public static String shed(String node, int connections) {
    return "S|" + node + "|" + connections;
  }

  /** The count of a shed request ({@link #shed}). */
  public static int shedCount(String payload) {
    return Integer.parseInt(payload.substring(payload.lastIndexOf('|') + 1));
  }

  /** The event in {@code payload}, or null for a canary, a drain request or anything unknown. */
  public static Event decode(String payload) {
    if (payload.startsWith("V|")) { // (1.1) a version: V|...|ts|r or d|target|body ('' for a deletion)
      String[] f = payload.split("\\|", 11);
      boolean deletion = f[8].equals("d");
      Position position = Position.ofStreamId(f[2], f[3]);
      long ts = Long.parseLong(f[7]);
      byte[] frame = MessageFrames.json(f[1], f[4], position, f[5], f[6], ts, deletion ? null : f[10],
          deletion ? null : f[9], deletion ? f[9] : null).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      return new Event.Message(new StoredMessage(f[1], f[4], position, f[5], f[6], ts, frame,
          deletion ? null : f[9], deletion ? f[9] : null, false));
    }
    if (payload.startsWith("M|")) {
      String[] f = payload.split("\\|", 9);
      StoredMessage message = new StoredMessage(f[1], f[4], Position.ofStreamId(f[2], f[3]), f[5], f[6], Long.parseLong(f[7]),
          MessageFrames.encode(f[1], f[4], Position.ofStreamId(f[2], f[3]), f[5], f[6], Long.parseLong(f[7]), f[8]));
      return new Event.Message(message);
    }
    if (payload.startsWith("E|")) {
      String[] f = payload.split("\\|", 4);
      return Event.Member.of(f[1], f[2], f[3]);
    }
    if (payload.startsWith("T|")) {
      String[] f = payload.split("\\|", 4);
      return Event.Typing.of(f[1], f[2], f[3]);
    }
    if (payload.startsWith("R|")) {
      String[] f = payload.split("\\|", 7);
      return Event.Read.of(f[1], f[2], f[3], f[4], f[5], f[6]);
    }
    if (payload.startsWith("C|")) {
      String[] f = payload.split("\\|", 4);
      return new Event.Control(f[1], Event.Control.Kind.valueOf(f[2]), f[3].isEmpty() ? null : f[3]);
    }
    return null;
  }
}
