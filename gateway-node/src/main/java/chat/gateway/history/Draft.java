package chat.gateway.history;

import chat.gateway.message.MessageFrames;
import chat.gateway.message.Position;
import chat.gateway.message.StoredMessage;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import java.util.List;

/**
 * A message accepted for storing: where it goes ({@code to}), in which channels it is stored
 * ({@code channels}: {@code to}, plus the sender's own user channel for a direct message), and the
 * dedupe key of the send (null for HTTP API publishes). {@code membersOnly}: stored only if {@code from} is a
 * member of the group {@code to} when it is stored (a session's send; the membership store decides, not the
 * session's copy of the user's groups). {@code version} (1.1): an edit or a deletion of an earlier message
 * ({@code bodyJson} null for a deletion), or {@link Version#NONE}.
 */
public record Draft(String id, String from, Channel to, List<String> channels, long ts, String bodyJson, DedupeKey key,
                    boolean membersOnly, Version version) {

  public Draft(String id, String from, Channel to, List<String> channels, long ts, String bodyJson, DedupeKey key,
               boolean membersOnly) {
    this(id, from, to, channels, ts, bodyJson, key, membersOnly, Version.NONE);
  }

  /** The refusal of a version whose message is in none of its channels (any more). */
  public ProtocolException notFound() {
    return new ProtocolException(ErrorCode.NOT_FOUND, "no message " + version.target() + " in " + to.name());
  }

  /** The refusal of a version of another user's message. */
  public ProtocolException notTheirs() {
    return new ProtocolException(ErrorCode.FORBIDDEN, "message " + version.target() + " is another user's");
  }

  /** The refusal of a {@link #membersOnly} draft whose sender is not a member. */
  public ProtocolException notMember() {
    return new ProtocolException(ErrorCode.FORBIDDEN, "not a member of " + to.name());
  }

  /** The channels a message to {@code to} from {@code from} is stored in: a DM shows on both sides. */
  public static List<String> channelsFor(Channel to, String from) {
    if (to.isUser() && from != null && !to.id().equals(from)) {
      return List.of(to.name(), Channel.user(from).name());
    }
    return List.of(to.name());
  }

  /** This message as stored in {@code channel} at {@code position}, its frame encoded. */
  public StoredMessage stored(String channel, Position position) {
    byte[] frame = MessageFrames.json(channel, id, position, from, to.name(), ts, bodyJson, version.replaces(),
        version.deletes()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return new StoredMessage(channel, id, position, from, to.name(), ts, frame, version.replaces(), version.deletes(),
        false);
  }
}
