package chat.gateway.history;

/**
 * (1.1) How a stored message counts toward unread counts, in the channel it is stored in: in a group, toward every
 * member's but the sender's ({@link #GROUP}); in a user's channel, toward the conversation with its sender
 * ({@link #CONVERSATION}) unless it is the sender's own copy ({@link #OWN_COPY}); on broadcast, not at all; an edit
 * or a deletion never (in a user's channel it keeps the markers alive as any write does).
 */
enum Counting {
  GROUP("g"), CONVERSATION("u"), OWN_COPY("o"), NONE("");

  /** How publish.lua is told. */
  final String wire;

  Counting(String wire) {
    this.wire = wire;
  }

  static Counting of(Draft draft, String channel) {
    if (draft.version().changes()) { // an edit or a deletion is not a message to read
      return draft.to().isUser() ? OWN_COPY : NONE;
    }
    if (draft.to().isGroup()) {
      return GROUP;
    }
    if (draft.to().isBroadcast()) {
      return NONE;
    }
    return channel.equals("user/" + draft.from()) ? OWN_COPY : CONVERSATION;
  }
}
