package chat.protocol;

import java.util.List;
import java.util.Map;

/** Frames the gateway sends. {@code ref} and {@code seq} echo the request and are null when it had none. */
public sealed interface ServerFrame {

  /** The {@code type} field on the wire. */
  String type();

  /**
   * {@code unread} (1.1): for each channel and direct conversation ({@code user/{other}}) with a read marker, the
   * messages from others after it, at most {@link #MAX_UNREAD}.
   */
  record Connected(String session, String user, String node, int heartbeat, List<String> channels,
                   Map<String, Boolean> recovered, Map<String, Integer> unread, Rate rate) implements ServerFrame {
    /** The most messages {@code unread} counts in one channel. */
    public static final int MAX_UNREAD = 1000;

    public Connected(String session, String user, String node, int heartbeat, List<String> channels,
                     Map<String, Boolean> recovered, Map<String, Integer> unread) {
      this(session, user, node, heartbeat, channels, recovered, unread, null);
    }

    @Override
    public String type() {
      return "connected";
    }

    public Connected(String session, String user, String node, int heartbeat, List<String> channels,
                     Map<String, Boolean> recovered) {
      this(session, user, node, heartbeat, channels, recovered, Map.of(), null);
    }
  }

  /**
   * (Extension) What a connection may send: {@code perSecond} frames a second, {@code burst} at once; past it frames
   * are refused {@code rate_limited} and, after enough refusals, the connection closes with 4029. Clients pace their
   * writes within it (a backlog resent after a reconnect above all).
   */
  record Rate(double perSecond, int burst) {
  }

  record Joined(Long ref, String channel, String position) implements ServerFrame {
    @Override
    public String type() {
      return "joined";
    }

  }

  record Left(Long ref, String channel) implements ServerFrame {
    @Override
    public String type() {
      return "left";
    }

  }

  record Ack(long seq, String channel, String id, String position) implements ServerFrame {
    @Override
    public String type() {
      return "ack";
    }

  }

  /**
   * {@code channel} is where the message is stored; {@code to} is where it was sent (they differ for a DM's copy to its
   * sender). (1.1) {@code replaces}: a new version of the message with that id; {@code deletes}: its deletion (no
   * body); {@code deleted}: this version's body was erased by a deletion (no body).
   */
  record Message(String channel, String id, String position, String from, String to, long ts, Object body,
                 String replaces, String deletes, boolean deleted) implements ServerFrame {
    public Message(String channel, String id, String position, String from, String to, long ts, Object body) {
      this(channel, id, position, from, to, ts, body, null, null, false);
    }

    @Override
    public String type() {
      return "message";
    }

  }

  /** {@code read} (1.1): the user's read marker in the channel, null when none is stored. */
  record History(Long ref, String channel, List<Message> messages, boolean more, String read) implements ServerFrame {
    @Override
    public String type() {
      return "history";
    }

    public History(Long ref, String channel, List<Message> messages, boolean more) {
      this(ref, channel, messages, more, null);
    }
  }

  /**
   * {@code large} (extension): the group has more members than the node lists online ones for; {@code online}
   * is then empty and {@code members} is the count alone.
   */
  record Presence(Long ref, String channel, List<String> online, long members, boolean large) implements ServerFrame {
    @Override
    public String type() {
      return "presence";
    }

    public Presence(Long ref, String channel, List<String> online, long members) {
      this(ref, channel, online, members, false);
    }
  }

  /** {@code event} is one of {@code joined}, {@code left}, {@code online}, {@code offline}. */
  record Member(String channel, String user, String event) implements ServerFrame {
    @Override
    public String type() {
      return "member";
    }

  }

  /**
   * (Extension) The member events of one group during one interval, oldest first, for a session that asked
   * for {@code member_batches} at connect: the latest membership event ({@code joined}/{@code left}) and
   * the latest status event ({@code online}/{@code offline}) of each user.
   */
  record Members(String channel, List<MemberEvent> events) implements ServerFrame {
    @Override
    public String type() {
      return "members";
    }

    public Members {
      events = List.copyOf(events);
    }
  }

  /** One entry of a {@link Members} batch. */
  record MemberEvent(String user, String event) {
  }

  /**
   * (1.1) {@code user} is typing in {@code channel}: a group, or in a direct conversation {@code user/{typer}}, the
   * conversation as the recipient names it.
   */
  record Typing(String channel, String user) implements ServerFrame {
    @Override
    public String type() {
      return "typing";
    }
  }

  /**
   * (1.1) A read marker: the answer to a {@code read} ({@code ref}, no {@code user}: the position stored, which is
   * the one asked or a later one stored before), or told to others ({@code user}: who read, no {@code ref}): the
   * user's other sessions, the other party of a direct conversation (for whom {@code channel} is {@code user/{reader}})
   * and the members of a small group. {@code id} is the message's at {@code position}.
   */
  record Read(Long ref, String channel, String user, String position, String id) implements ServerFrame {
    @Override
    public String type() {
      return "read";
    }
  }

  record Error(Long ref, Long seq, ErrorCode code, String message, boolean temporary) implements ServerFrame {
    @Override
    public String type() {
      return "error";
    }

    public static Error of(ProtocolException e) {
      return new Error(e.ref(), e.seq(), e.code(), e.getMessage(), e.code().temporary());
    }
  }

  /**
   * Said without being asked (an addition to protocol v1): live delivery of {@code channel} had a gap the
   * server could not fill from history ({@code recovered} is false: the history was lost or went back while
   * the server's cluster link was down). As {@code recovered[channel] = false} in {@code connected}: the
   * client's position for the channel means nothing now; the next message sets a new one.
   */
  record Recovery(String channel, boolean recovered) implements ServerFrame {
    @Override
    public String type() {
      return "recovery";
    }
  }

  /** (1.1) The session's token ends in {@code in} seconds: send {@code refresh} before, or the session closes (4001). */
  record Expiring(long in) implements ServerFrame {
    @Override
    public String type() {
      return "expiring";
    }
  }

  /** (1.1) A refresh took: the session now lasts until {@code expires} (ms since the epoch). */
  record Refreshed(Long ref, long expires) implements ServerFrame {
    @Override
    public String type() {
      return "refreshed";
    }
  }

  record Pong() implements ServerFrame {
    @Override
    public String type() {
      return "pong";
    }

  }
}
