package chat.gateway.cluster;

import io.vertx.core.Context;

/** A consumer of events bound to one event loop (a hub); {@link #deliver} is called on {@link #context}. */
public interface ChannelListener {

  Context context();

  void deliver(Event event);
}
