package chat.gateway.cluster.memory;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.Event;
import chat.gateway.cluster.LocalFanout;
import chat.gateway.cluster.NodeControl;
import io.vertx.core.Future;

/** The broker of an embedded node: there is no other node, so publishing is local dispatch. */
public final class MemoryBroker implements Broker {
  private final LocalFanout fanout;
  private final String nodeId;
  private final NodeControl control;

  /** {@code control} hears what this node ({@code nodeId}) is asked to do. */
  public MemoryBroker(LocalFanout fanout, String nodeId, NodeControl control) {
    this.fanout = fanout;
    this.nodeId = nodeId;
    this.control = control;
    fanout.bind(this);
  }

  @Override
  public Future<Void> requestDrain(String node) {
    if (node.equals(nodeId)) {
      control.drain();
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> requestShed(String node, int connections) {
    if (node.equals(nodeId)) {
      control.shed(connections);
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
