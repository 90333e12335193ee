package chat.gateway.cluster;

import io.vertx.core.Future;

/**
 * Moves events between nodes. {@link #publish} hands an event to every node that subscribed to its
 * channel (at most once: a subscriber that is down misses it, which is why messages are also stored and
 * resumable). Events of one channel published by one caller arrive in the order they were published.
 * Local delivery goes through the node's {@link LocalFanout}.
 */
public interface Broker {

  /** Publishes a signal (messages are published by the history store that stores them). */
  Future<Void> publish(Event.Signal signal);

  /**
   * This node wants events of {@code channels}; completes once they all flow (a channel unsubscribed before
   * that counts as done: nobody here waits for it any more).
   */
  Future<Void> subscribe(java.util.List<String> channels);

  /** This node no longer wants events of {@code channels}. */
  Future<Void> unsubscribe(java.util.List<String> channels);

  /** Asks node {@code nodeId} to drain (as {@code POST /admin/drain} on it would), through its own channel. */
  Future<Void> requestDrain(String nodeId);

  /** Asks a node to close {@code connections} of its connections over its drain window (a rebalance). */
  Future<Void> requestShed(String nodeId, int connections);

  /** Whether events flow (the node's readiness depends on it). */
  boolean healthy();

  /**
   * Whether requests can be served now. As {@link #healthy} on one Redis; on a Redis Cluster while some
   * shard is up: a request for a shard that is failing over waits (up to {@code REDIS_TIMEOUT}) for the
   * replica taking over, rather than being refused with the others.
   */
  default boolean available() {
    return healthy();
  }

  Future<Void> close();
}
