package chat.gateway.cluster;

import java.util.function.IntConsumer;

/** What the cluster may ask of this node through its broker: to drain, or to shed some connections (a rebalance). */
public interface NodeControl {
  /** Stop taking clients and close every connection over the drain window. */
  void drain();

  /** Close {@code connections} of this node's connections with 4100 over the drain window; keep taking clients. */
  void shed(int connections);

  static NodeControl of(Runnable drain, IntConsumer shed) {
    return new NodeControl() {
      @Override
      public void drain() {
        drain.run();
      }

      @Override
      public void shed(int connections) {
        shed.accept(connections);
      }
    };
  }
}
