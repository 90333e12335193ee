package chat.gateway.history;

import chat.gateway.message.Position;

/** What an ack reports: the message id and its position in the {@code to} channel; {@code duplicate} for a repeat. */
public record Appended(String channel, String id, Position position, boolean duplicate) {

  public Appended asDuplicate() {
    return new Appended(channel, id, position, true);
  }
}
