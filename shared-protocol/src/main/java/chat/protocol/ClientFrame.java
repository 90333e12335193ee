package chat.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Frames a client sends. {@code ref} is optional everywhere (null when absent). */
public sealed interface ClientFrame {

  /** The {@code type} field on the wire. */
  String type();

  /** The request's {@code ref}, or null when it has none. */
  default Long ref() {
    return null;
  }

  /** The send's {@code seq}, or null for other frames. */
  default Long seqOrNull() {
    return null;
  }

  /**
   * First frame of a connection. Exactly one of {@code token} (JWT mode) or {@code user} (dev mode).
   * {@code features} (extension) names optional behaviours the client asks for, such as
   * {@value #MEMBER_BATCHES}; names the server does not know are ignored.
   */
  /** {@code data} (1.1): any JSON for the connect hook, at most {@link FrameCodec#MAX_HOOK_DATA_BYTES}; null: none. */
  record Connect(String token, String user, String device, Map<String, String> resume, Set<String> features,
                 Object data) implements ClientFrame {
    /** Member events come as one {@code members} frame per group per interval instead of one frame each. */
    public static final String MEMBER_BATCHES = "member_batches";

    @Override
    public String type() {
      return "connect";
    }

    public Connect {
      device = device == null ? "default" : device;
      resume = resume == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(resume));
      features = features == null ? Set.of() : Set.copyOf(features);
    }

    public Connect(String token, String user, String device, Map<String, String> resume, Set<String> features) {
      this(token, user, device, resume, features, null);
    }

    public Connect(String token, String user, String device, Map<String, String> resume) {
      this(token, user, device, resume, Set.of());
    }
  }

  /** {@code token}: a join token (v1.1), a grant to a closed group; null when none. */
  record Join(Long ref, Channel channel, String token) implements ClientFrame {
    public Join(Long ref, Channel channel) {
      this(ref, channel, null);
    }

    @Override
    public String type() {
      return "join";
    }
  }

  record Leave(Long ref, Channel channel) implements ClientFrame {
    @Override
    public String type() {
      return "leave";
    }
  }

  /** {@code body} is a JSON value as Vert.x models it: JsonObject, JsonArray, String, Number, Boolean or null. */
  /**
   * {@code replaces} (1.1): a new version of the sender's message with that id (its first version's); {@code deletes}:
   * deletes it ({@code body} is then null). At most one of them.
   */
  record Send(long seq, Channel channel, Object body, String replaces, String deletes) implements ClientFrame {
    public Send(long seq, Channel channel, Object body) {
      this(seq, channel, body, null, null);
    }

    @Override
    public String type() {
      return "send";
    }

    @Override
    public Long seqOrNull() {
      return seq;
    }

  }

  /** {@code before} is a position or null for the newest messages. */
  record History(Long ref, Channel channel, int limit, String before) implements ClientFrame {
    @Override
    public String type() {
      return "history";
    }

  }

  record Presence(Long ref, Channel channel) implements ClientFrame {
    @Override
    public String type() {
      return "presence";
    }

  }

  /**
   * (1.1) A new token for the session before its token expires ({@code token}), or under hook sign-in the
   * data the connect hook is asked again with ({@code data}); one of them.
   */
  record Refresh(Long ref, String token, Object data) implements ClientFrame {
    @Override
    public String type() {
      return "refresh";
    }
  }

  /**
   * (1.1) The user is typing in {@code channel} (a group, or {@code user/{other}} for a direct conversation): told
   * to the others there, never stored, acknowledged or replayed.
   */
  record Typing(Channel channel) implements ClientFrame {
    @Override
    public String type() {
      return "typing";
    }
  }

  /** (1.1) The user has read {@code channel} (a group, or the conversation {@code user/{other}}) up to {@code position}. */
  record Read(Long ref, Channel channel, String position) implements ClientFrame {
    @Override
    public String type() {
      return "read";
    }
  }

  record Ping() implements ClientFrame {
    @Override
    public String type() {
      return "ping";
    }

  }
}
