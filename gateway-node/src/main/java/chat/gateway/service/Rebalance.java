package chat.gateway.service;

import chat.gateway.registry.NodeInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who sheds how many connections so that every node holds about the cluster's average: load balancers do not move
 * existing sockets, so after a scale-out the new nodes fill only as clients reconnect. A node above the average by
 * more than a tenth sheds its excess (clients reconnect and resume; the load balancer spreads them).
 */
public final class Rebalance {
  /** A node within this share above the average is left alone. */
  static final double TOLERANCE = 0.10;

  private Rebalance() {
  }

  /** The average connections per node, rounded up (what each node keeps). */
  public static long average(List<NodeInfo> nodes) {
    long total = nodes.stream().mapToLong(NodeInfo::connections).sum();
    return nodes.isEmpty() ? 0 : (total + nodes.size() - 1) / nodes.size();
  }

  /** Each node that sheds, with how many: those above the average by more than {@link #TOLERANCE}. */
  public static Map<String, Integer> plan(List<NodeInfo> nodes) {
    Map<String, Integer> shed = new LinkedHashMap<>();
    if (nodes.size() < 2) {
      return shed;
    }
    long average = average(nodes);
    for (NodeInfo node : nodes) {
      if (node.connections() > average * (1 + TOLERANCE) && node.connections() > average) {
        shed.put(node.id(), (int) Math.min(Integer.MAX_VALUE, node.connections() - average));
      }
    }
    return shed;
  }
}
