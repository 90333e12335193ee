package chat.gateway.cluster;

import chat.gateway.message.StoredMessage;
import chat.protocol.FrameCodec;
import chat.protocol.ServerFrame;
import java.nio.charset.StandardCharsets;

/** What travels through the broker to the sessions subscribed to a channel. */
public sealed interface Event {

  String channel();

  /** A stored message; delivered in position order within its channel. */
  record Message(StoredMessage message) implements Event {
    @Override
    public String channel() {
      return message.channel();
    }
  }

  /** A {@code member} frame for the members of a group (not stored). */
  record Member(String channel, String user, String kind, byte[] frame) implements Event {
    public static Member of(String channel, String user, String kind) {
      String json = FrameCodec.encode(new ServerFrame.Member(channel, user, kind));
      return new Member(channel, user, kind, json.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * An instruction to every session of one user, sent on that user's channel: subscribe to or
   * unsubscribe from a group the user joined or left elsewhere, or close (4003, {@code /api/disconnect}).
   */
  record Control(String channel, Kind kind, String group) implements Event {
    public enum Kind { SUBSCRIBE, UNSUBSCRIBE, DISCONNECT }
  }
}
