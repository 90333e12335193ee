package chat.gateway.cluster.memory;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.Event;
import chat.gateway.cluster.LocalFanout;
import io.vertx.core.Future;

/** The broker of an embedded node: there is no other node, so publishing is local dispatch. */
public final class MemoryBroker implements Broker {
  private final LocalFanout fanout;
  private final String nodeId;
  private final Runnable drain;

  /** {@code drain} runs when this node ({@code nodeId}) is asked to drain. */
  public MemoryBroker(LocalFanout fanout, String nodeId, Runnable drain) {
    this.fanout = fanout;
    this.nodeId = nodeId;
    this.drain = drain;
    fanout.bind(this);
  }

  @Override
  public Future<Void> requestDrain(String node) {
    if (node.equals(nodeId)) {
      drain.run();
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> publish(Event.Signal signal) {
    fanout.dispatch(signal);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> subscribe(java.util.List<String> channels) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> unsubscribe(java.util.List<String> channels) {
    return Future.succeededFuture();
  }

  @Override
  public boolean healthy() {
    return true;
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
