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
   * (1.1) A frame told to the sessions of {@code channel} (a group's, or a user's) as it is, not stored, not held
   * back by a catch-up and never replayed: skipping those {@link #skips} says.
   */
  sealed interface Told extends Signal {
    byte[] frame();

    /** Whether a session of {@code user} named {@code session} is not told. */
    boolean skips(String user, String session);
  }

  /**
   * (1.1) {@code user} is typing: a {@code typing} frame for the sessions of {@code channel} (a group's members, or
   * the recipient's {@code user/{id}} channel for a direct conversation, where the frame names the conversation
   * {@code user/{typer}}), except the typer's own. Not stored.
   */
  record Typing(String channel, String user, String named, byte[] frame) implements Told {
    @Override
    public boolean skips(String user, String session) {
      return this.user.equals(user);
    }

    /** {@code user} typing in {@code named} as the recipients name it, sent on {@code channel}. */
    public static Typing of(String channel, String user, String named) {
      String json = FrameCodec.encode(new ServerFrame.Typing(named, user));
      return new Typing(channel, user, named, json.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * (1.1) {@code user} read {@code named} up to {@code position} (the message {@code id}): a {@code read} frame for the
   * sessions of {@code channel} but the reader's {@code session} that asked: a group's members, the reader's own
   * channel (its other sessions), or the other party's channel of a direct conversation (where {@code named} is
   * {@code user/{reader}}).
   */
  record Read(String channel, String named, String user, String position, String id, String session, byte[] frame)
      implements Told {
    public static Read of(String channel, String named, String user, String position, String id, String session) {
      String json = FrameCodec.encode(new ServerFrame.Read(null, named, user, position, id));
      return new Read(channel, named, user, position, id, session, json.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean skips(String user, String session) {
      return this.session.equals(session);
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
