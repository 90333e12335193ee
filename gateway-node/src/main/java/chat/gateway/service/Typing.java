package chat.gateway.service;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.Event;
import chat.protocol.Channel;
import io.vertx.core.Future;

/**
 * (1.1) Who is typing: told to the others in a group, or to the other party of a direct conversation (who sees it
 * under {@code user/{typer}}), through pub/sub only: never stored, acknowledged or replayed. Whether the user may type
 * there is {@link chat.gateway.access.Permissions}'s to decide, and how often, the session's.
 */
public final class Typing {
  private final Broker broker;

  Typing(Broker broker) {
    this.broker = broker;
  }

  /** {@code user} is typing in {@code to}: a group, or {@code user/{other}}. */
  public Future<Void> typing(String user, Channel to) {
    Event.Typing event = to.kind() == Channel.Kind.GROUP ? Event.Typing.of(to.name(), user, to.name())
        : Event.Typing.of(to.name(), user, Channel.user(user).name());
    return broker.publish(event);
  }
}
