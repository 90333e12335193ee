package chat.gateway.webhook;

import chat.gateway.redis.Slots;
import chat.gateway.redis.Topology;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which webhook shard the events of each slot belong to, for one {@link Topology}: on a Redis Cluster each
 * primary is a shard, named by the first slot it serves (where its lease and its hash of slots with events are
 * kept); on one Redis (or under Sentinel) there is one shard, 0, with one stream, slot 0's.
 *
 * @param shardOf the shard of each slot (-1 for a slot no primary serves)
 * @param slotsOf each shard's slots, in order
 */
record ShardSlots(Topology topology, int[] shardOf, Map<Integer, int[]> slotsOf) {
  private static final int[] ALONE = {0};

  static ShardSlots of(Topology topology, boolean cluster) {
    int[] shardOf = new int[Slots.COUNT];
    if (!cluster) {
      return new ShardSlots(topology, shardOf, Map.of(0, ALONE));
    }
    Map<String, Integer> first = new HashMap<>();
    Map<Integer, List<Integer>> lists = new TreeMap<>();
    for (int slot = 0; slot < Slots.COUNT; slot++) {
      String owner = topology.owner(slot);
      if (owner == null) {
        shardOf[slot] = -1;
        continue;
      }
      int firstSeen = slot;
      int shard = first.computeIfAbsent(owner, o -> firstSeen);
      shardOf[slot] = shard;
      lists.computeIfAbsent(shard, s -> new ArrayList<>()).add(slot);
    }
    Map<Integer, int[]> slotsOf = new TreeMap<>();
    lists.forEach((shard, slots) -> slotsOf.put(shard, slots.stream().mapToInt(Integer::intValue).toArray()));
    return new ShardSlots(topology, shardOf, slotsOf);
  }

  int shardOf(int slot) {
    return shardOf[slot];
  }
}
