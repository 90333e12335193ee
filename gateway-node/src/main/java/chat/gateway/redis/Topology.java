package chat.gateway.redis;

import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which primary serves which slot, as read at one moment: one Redis serving every slot, or the shards of a
 * Redis Cluster ({@code CLUSTER SLOTS}). Immutable.
 *
 * @param owners the address ({@code host:port}) of the primary of each slot; null for a slot no one serves
 * @param shards each primary's address with the number of its replicas, in address order
 */
public record Topology(String[] owners, Map<String, Integer> shards) {
  /** The address standing for the one Redis (or the primary Sentinel names) of a topology without shards. */
  public static final String SINGLE = "redis";

  /** One Redis serving every slot. */
  public static Topology single() {
    String[] owners = new String[Slots.COUNT];
    Arrays.fill(owners, SINGLE);
    return new Topology(owners, Map.of(SINGLE, 0));
  }

  /** The reply of {@code CLUSTER SLOTS}: [[start, end, [host, port, id], replica...], ...]. */
  public static Topology fromClusterSlots(Response reply) {
    String[] owners = new String[Slots.COUNT];
    Map<String, Integer> shards = new java.util.TreeMap<>();
    for (int i = 0; i < reply.size(); i++) {
      Response range = reply.get(i);
      int start = range.get(0).toInteger();
      int end = range.get(1).toInteger();
      Response primary = range.get(2);
      String address = primary.get(0).toString() + ":" + primary.get(1).toInteger();
      Arrays.fill(owners, start, end + 1, address);
      shards.merge(address, range.size() - 3, Math::max);
    }
    return new Topology(owners, new LinkedHashMap<>(shards));
  }

  public String owner(int slot) {
    return owners[slot];
  }

  /** Primaries, in address order. */
  public List<String> primaries() {
    return new ArrayList<>(shards.keySet());
  }

  /** Every slot has a primary. */
  public boolean complete() {
    for (String owner : owners) {
      if (owner == null) {
        return false;
      }
    }
    return true;
  }

  /** Same owners of every slot. */
  public boolean sameOwners(Topology other) {
    return other != null && Arrays.equals(owners, other.owners);
  }

  /**
   * A name whose slot {@code address} serves, built from {@code base} and a number (the first that fits):
   * a topic of that shard, e.g. for its canary. Null if the address serves no slot.
   */
  public String tagServedBy(String address, String base) {
    if (!shards.containsKey(address)) {
      return null;
    }
    for (int n = 0; n < 100_000; n++) {
      String tag = base + "." + n;
      if (address.equals(owners[Slots.of("{" + tag + "}")])) {
        return tag;
      }
    }
    return null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Topology t && Arrays.equals(owners, t.owners) && shards.equals(t.shards);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(owners) * 31 + shards.hashCode();
  }

  @Override
  public String toString() {
    return "Topology" + shards;
  }
}
