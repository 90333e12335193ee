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

  /**
   * What a {@link Broker} publishes: events that are not stored. Messages are stored first and published
   * by the history store (on Redis, in the same script as the append), so they never go through a broker.
   */
  sealed interface Signal extends Event {
  }

  /** A {@code member} frame for the members of a group (not stored). */
  record Member(String channel, String user, String kind, byte[] frame) implements Signal {
    public static Member of(String channel, String user, String kind) {
      String json = FrameCodec.encode(new ServerFrame.Member(channel, user, kind));
      return new Member(channel, user, kind, json.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * (1.1) {@code user} is typing: a {@code typing} frame for the sessions of {@code channel} (a group's members, or
   * the recipient's {@code user/{id}} channel for a direct conversation, where the frame names the conversation
   * {@code user/{typer}}), except the typer's own. Not stored.
   */
  record Typing(String channel, String user, String named, byte[] frame) implements Signal {
    /** {@code user} typing in {@code named} as the recipients name it, sent on {@code channel}. */
    public static Typing of(String channel, String user, String named) {
      String json = FrameCodec.encode(new ServerFrame.Typing(named, user));
      return new Typing(channel, user, named, json.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * An instruction to every session of one user, sent on that user's channel: subscribe to or
   * unsubscribe from a group the user joined or left elsewhere, or close (4003, {@code /api/disconnect}).
   */
  record Control(String channel, Kind kind, String group) implements Signal {
    public enum Kind { SUBSCRIBE, UNSUBSCRIBE, DISCONNECT }
  }

  /**
   * Live delivery of {@code channel} on this node had a gap that history could not fill (the node's
   * cluster link was down and the channel's history was lost or went back meanwhile): every session of
   * the channel is told ({@code recovery} frame), none is closed. Never crosses the broker.
   */
  record Unrecovered(String channel) implements Event {
  }
}
