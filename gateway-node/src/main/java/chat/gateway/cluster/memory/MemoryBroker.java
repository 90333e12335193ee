package chat.gateway.cluster.memory;

import chat.gateway.cluster.Broker;
import chat.gateway.cluster.Event;
import chat.gateway.cluster.LocalFanout;
import io.vertx.core.Future;

/** The broker of an embedded node: there is no other node, so publishing is local dispatch. */
public final class MemoryBroker implements Broker {
  private final LocalFanout fanout;

  public MemoryBroker(LocalFanout fanout) {
    this.fanout = fanout;
    fanout.bind(this);
  }

  @Override
  public Future<Void> publish(Event event) {
    fanout.dispatch(event);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> subscribe(String channel) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> unsubscribe(String channel) {
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
