package chat.gateway.cluster;

import io.vertx.core.Future;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * This node's table of which listeners (one hub per event loop) want which channel, and the delivery of
 * events to them. Events handed to {@link #dispatch} by one thread reach each listener in that order:
 * each listener gets a task on its own event loop, and event loops run tasks in order.
 *
 * <p>The first listener of a channel subscribes the node at the broker, the last one unsubscribes it.
 */
public final class LocalFanout {
  private static final ChannelListener[] NONE = new ChannelListener[0];

  private final Map<String, Interest> interests = new ConcurrentHashMap<>();
  private volatile Function<String, Future<Void>> subscriber = c -> Future.succeededFuture();
  private volatile Function<String, Future<Void>> unsubscriber = c -> Future.succeededFuture();

  private record Interest(ChannelListener[] listeners, Future<Void> subscribed) {
  }

  /** Connects the table to the broker that serves it. */
  public void bind(Broker broker) {
    this.subscriber = broker::subscribe;
    this.unsubscriber = broker::unsubscribe;
  }

  /** Adds {@code listener} to {@code channel}; completes when the node receives the channel's events. */
  public Future<Void> add(String channel, ChannelListener listener) {
    Interest interest = interests.compute(channel, (c, current) -> {
      if (current == null) {
        return new Interest(new ChannelListener[] {listener}, subscriber.apply(c));
      }
      for (ChannelListener l : current.listeners) {
        if (l == listener) {
          return current;
        }
      }
      ChannelListener[] more = Arrays.copyOf(current.listeners, current.listeners.length + 1);
      more[more.length - 1] = listener;
      return new Interest(more, current.subscribed);
    });
    return interest.subscribed;
  }

  public void remove(String channel, ChannelListener listener) {
    boolean[] last = {false};
    interests.computeIfPresent(channel, (c, current) -> {
      ChannelListener[] rest = Arrays.stream(current.listeners).filter(l -> l != listener)
          .toArray(ChannelListener[]::new);
      if (rest.length == 0) {
        last[0] = true;
        return null;
      }
      return new Interest(rest, current.subscribed);
    });
    if (last[0]) {
      unsubscriber.apply(channel);
    }
  }

  /** Hands {@code event} to every listener of its channel, each on its own event loop. */
  public void dispatch(Event event) {
    Interest interest = interests.get(event.channel());
    for (ChannelListener listener : interest == null ? NONE : interest.listeners) {
      listener.context().runOnContext(v -> listener.deliver(event));
    }
  }

  /** The channels some local listener wants (the Redis broker resubscribes them after a reconnect). */
  public java.util.Set<String> channels() {
    return interests.keySet();
  }
}
