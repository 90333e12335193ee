package chat.gateway.cluster;

import chat.gateway.message.Catchup;
import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import chat.gateway.message.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * This node's table of which listeners (one hub per event loop) want which channel, and the delivery of
 * events to them. Events handed to {@link #dispatch} by one thread reach each listener in that order:
 * each listener gets a task on its own event loop, and event loops run tasks in order.
 *
 * <p>The first listener of a channel subscribes the node at the broker, the last one unsubscribes it.
 *
 * <p>It also keeps, per channel, the position of the last message it handed out, so that after the
 * broker lost events (its connection dropped) the node can fill the gap from history: {@link #hold}
 * keeps live events back, {@link #repaired} hands out what history had and then what was held, less the
 * repeats ({@link Catchup}).
 */
public final class LocalFanout {

  private final Map<String, Interest> interests = new ConcurrentHashMap<>();
  /** Per channel with listeners, the position of the last message handed out (or where it stood when first wanted). */
  private final Map<String, Position> delivered = new ConcurrentHashMap<>();
  /** Guarded by itself: events held while channels are repaired, and the floors of the repairs. */
  private final Catchup<Event> catchup = new Catchup<>(
      e -> e instanceof Event.Message m ? m.message() : null, e -> 0);
  private volatile Consumer<String> onFirstListener = c -> { };
  private volatile Consumer<String> onMemberEvent = c -> { };
  private volatile Function<List<String>, Future<Void>> subscriber = c -> Future.succeededFuture();
  private volatile Function<List<String>, Future<Void>> unsubscriber = c -> Future.succeededFuture();

  private record Interest(ChannelListener[] listeners, Future<Void> subscribed) {
  }

  /**
   * {@code onFirstListener} hears of each channel that gets its first listener, once the broker delivers
   * it (a node on Redis reads where the channel's history stands then, see {@link #startAt}).
   */
  public void onFirstListener(Consumer<String> onFirstListener) {
    this.onFirstListener = onFirstListener;
  }

  /** {@code onMemberEvent} hears of the channel of every member event that reaches this node. */
  public void onMemberEvent(Consumer<String> onMemberEvent) {
    this.onMemberEvent = onMemberEvent;
  }

  /** Whether some local listener wants {@code channel} (so its events reach this node). */
  public boolean watching(String channel) {
    return interests.containsKey(channel);
  }

  /** Connects the table to the broker that serves it. */
  public void bind(Broker broker) {
    this.subscriber = broker::subscribe;
    this.unsubscriber = broker::unsubscribe;
  }

  /**
   * Adds {@code listener} to {@code channel}; completes when the node receives the channel's events, or when
   * the node no longer wants them (every listener left before the broker confirmed: nothing to wait for).
   */
  public Future<Void> add(String channel, ChannelListener listener) {
    return addAll(List.of(channel), listener);
  }

  /**
   * Adds {@code listener} to each of {@code channels}; the channels new to the node are subscribed at the
   * broker together (a user in a thousand groups connecting costs a few commands, not a thousand). Completes
   * when the node receives the events of them all.
   */
  public Future<Void> addAll(Collection<String> channels, ChannelListener listener) {
    Promise<Void> subscribed = Promise.promise();
    List<String> firsts = new ArrayList<>();
    List<Future<Void>> all = new ArrayList<>(channels.size());
    for (String channel : channels) {
      boolean[] first = {false};
      Interest interest = interests.compute(channel, (c, current) -> {
        if (current == null) {
          first[0] = true;
          return new Interest(new ChannelListener[] {listener}, subscribed.future());
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
      if (first[0]) {
        firsts.add(channel);
        interest.subscribed.onSuccess(v -> onFirstListener.accept(channel));
      }
      all.add(interest.subscribed);
    }
    if (!firsts.isEmpty()) {
      subscriber.apply(firsts).onComplete(subscribed);
    }
    return all.size() == 1 ? all.get(0) : Future.all(all).mapEmpty();
  }

  public void remove(String channel, ChannelListener listener) {
    removeAll(List.of(channel), listener);
  }

  /** Takes {@code listener} off each of {@code channels}; those left without a listener are unsubscribed together. */
  public void removeAll(Collection<String> channels, ChannelListener listener) {
    List<String> lasts = new ArrayList<>();
    for (String channel : channels) {
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
        delivered.remove(channel);
        synchronized (catchup) {
          catchup.forget(channel);
        }
        lasts.add(channel);
      }
    }
    if (!lasts.isEmpty()) {
      unsubscriber.apply(lasts);
    }
  }

  /**
   * Hands {@code event} to every listener of its channel, each on its own event loop; while its channel
   * is being repaired, it waits (and a message the repair already handed out is dropped).
   */
  public void dispatch(Event event) {
    if (event instanceof Event.Member) {
      onMemberEvent.accept(event.channel());
    }
    synchronized (catchup) {
      if (catchup.offer(event.channel(), event) || !catchup.fresh(event)) {
        return;
      }
      handOut(event);
    }
  }

  private void handOut(Event event) {
    Interest interest = interests.get(event.channel());
    if (interest == null) {
      return;
    }
    if (event instanceof Event.Message m) {
      delivered.put(event.channel(), m.message().position());
    }
    for (ChannelListener listener : interest.listeners) {
      listener.context().runOnContext(v -> listener.deliver(event));
    }
  }

  /** Where {@code channel}'s history stood when it got its first listener, unless a message came since. */
  public void startAt(String channel, Position head) {
    if (interests.containsKey(channel)) {
      delivered.putIfAbsent(channel, head);
    }
  }

  /** The position of the last message of {@code channel} handed out here (or its start), or null. */
  public Position delivered(String channel) {
    return delivered.get(channel);
  }

  /**
   * Where {@code channel} stands as this node receives it, when it is live here: the last message handed out (or
   * where it stood when first wanted), or null when the node does not know (no listener, the start still being
   * read, or held for a repair). Every message after it is on its way to the channel's listeners, since the
   * broker delivers a channel's messages in their order: a listener that joins now can start from it instead of
   * reading the channel's head from the store.
   */
  public Position liveHead(String channel) {
    synchronized (catchup) {
      return interests.containsKey(channel) && !catchup.holding(channel) ? delivered.get(channel) : null;
    }
  }

  /** Holds back the live events of {@code channels} (those with listeners) until each is {@link #repaired}. */
  public void hold(java.util.Collection<String> channels) {
    synchronized (catchup) {
      channels.stream().filter(interests::containsKey).forEach(catchup::hold);
    }
  }

  /**
   * The history of {@code channel} after its last delivered position: hands out {@code replay}'s messages,
   * then (less repeats) what was held. An unrecovered replay hands out {@code notice} first, and what was
   * held after it.
   */
  public void repaired(String channel, Replay replay, Event notice) {
    synchronized (catchup) {
      if (!catchup.holding(channel)) {
        return; // left meanwhile
      }
      if (replay.recovered()) {
        for (StoredMessage m : replay.messages()) {
          handOut(new Event.Message(m));
          catchup.floor(channel, m.position());
        }
      } else {
        catchup.clearFloor(channel);
        delivered.remove(channel);
        handOut(notice);
      }
      for (Event held : catchup.release(channel)) {
        if (catchup.fresh(held)) {
          handOut(held);
        }
      }
    }
  }

  /** The channels some local listener wants (the Redis broker resubscribes them after a reconnect). */
  public Set<String> channels() {
    return interests.keySet();
  }

  /** The channels held back now (waiting for {@link #repaired}). */
  public List<String> holding() {
    synchronized (catchup) {
      return interests.keySet().stream().filter(catchup::holding).toList();
    }
  }
}
