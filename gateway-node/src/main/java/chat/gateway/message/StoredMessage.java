package chat.gateway.message;

/**
 * One message as stored in one channel, with its {@code message} frame already encoded (UTF-8 JSON),
 * so that history pages, replays and live fan-out write the same bytes without encoding again. {@code from} and
 * {@code to} are the frame's: who sent it, and where (for a direct message's copy to its sender, not
 * {@code channel}). (1.1) {@code replaces} / {@code deletes}: an edit or a deletion of the message with that id; {@code erased}: a version
 * whose body a deletion took out (the frame says {@code "deleted":true}).
 */
public record StoredMessage(String channel, String id, Position position, String from, String to, long ts,
                            byte[] frame, String replaces, String deletes, boolean erased) {
  /** A first version (not an edit or a deletion). */
  public StoredMessage(String channel, String id, Position position, String from, String to, long ts, byte[] frame) {
    this(channel, id, position, from, to, ts, frame, null, null, false);
  }

  /** (1.1) Whether this is a first version not deleted: what an edit or a deletion names. */
  public boolean original() {
    return replaces == null && deletes == null && !erased;
  }
}
