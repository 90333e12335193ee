package chat.gateway.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The commands of one event loop, each sent to the pipeline of the primary that serves its slot. Confined
 * to that loop.
 *
 * <p><b>Order across a move.</b> Calls given to one pipeline run in order; a slot that moves to another
 * primary (a {@code MOVED} answer, a failover, a migration) must not let a newer call of that slot run there
 * before an older one is done here. So when a slot's owner changes while calls of it are still out, the slot
 * is <i>held</i>: newer calls wait in order; calls that come back unrun ({@code MOVED}; those a dead
 * primary's pipeline never wrote) go before them, in their order; and once nothing of the slot is out, all
 * go to the new owner. {@code ASK} (a key already migrated, its slot not yet) sends the one call on, with
 * {@code ASKING}, in the order the answers came. A call held longer than the timeout fails.
 */
final class SlotRouter implements RedisPipeline.Owner {
  private static final int MAX_HELD = 16_384;

  private final Vertx vertx;
  private final Context context;
  private final ShardMap shards;
  private final BiFunction<String, RedisPipeline.Owner, RedisPipeline[]> factory;
  private final CallTimeout timeout;
  private final Map<String, RedisPipeline[]> pipelines = new HashMap<>();
  /** Per slot: calls given to a pipeline and not back, and the primary they went to. */
  private final int[] out = new int[Slots.COUNT];
  private final String[] sentTo = new String[Slots.COUNT];
  private final Map<Integer, Held> held = new HashMap<>();
  /** Owners told by MOVED answers, until a topology read agrees or says otherwise. */
  private final Map<Integer, String> moved = new HashMap<>();
  private final long timer;
  private Topology topology;
  private int heldCount;

  /** Calls of a held slot: those that came back unrun first (older), then those given since. */
  private static final class Held {
    final List<RedisCall> back = new ArrayList<>();
    final ArrayDeque<RedisCall> waiting = new ArrayDeque<>();
  }

  SlotRouter(Vertx vertx, Context context, ShardMap shards, long timeoutMillis,
             BiFunction<String, RedisPipeline.Owner, RedisPipeline[]> factory) {
    this.vertx = vertx;
    this.context = context;
    this.shards = shards;
    this.timeout = new CallTimeout(timeoutMillis);
    this.factory = factory;
    this.topology = shards.topology();
    this.timer = timeout.every(vertx, this::failOverdue);
  }

  Context context() {
    return context;
  }

  /** Pipelines to every primary, connecting; completes when each has loaded its scripts. */
  Future<Void> connectAll() {
    List<Future<Void>> started = new ArrayList<>();
    for (String primary : topology.primaries()) {
      for (RedisPipeline p : pipelinesTo(primary)) {
        started.add(p.started());
      }
    }
    return Future.all(started).mapEmpty();
  }

  /** Sends {@code call} to its slot's primary, or holds it. On this router's loop. */
  void submit(RedisCall call) {
    int slot = call.slot;
    Held h = held.get(slot);
    if (h != null) {
      hold(h, call);
      return;
    }
    String owner = ownerOf(slot);
    if (owner == null || (out[slot] > 0 && !owner.equals(sentTo[slot]))) {
      hold(held(slot), call);
      shards.stale();
      return;
    }
    send(owner, call);
  }

  private void send(String owner, RedisCall call) {
    int slot = call.slot;
    out[slot]++;
    sentTo[slot] = owner;
    if (!call.routed) {
      call.routed = true;
      call.promise.future().onComplete(ar -> back(call));
    }
    RedisPipeline[] to = pipelinesTo(owner);
    to[to.length == 1 ? 0 : Math.floorMod(call.orderKey.hashCode(), to.length)].submit(call);
  }

  /** A call given to a pipeline is back (answered or failed, or about to be sent elsewhere). */
  private void back(RedisCall call) {
    if (!call.routed) {
      return;
    }
    call.routed = false;
    if (--out[call.slot] == 0) {
      release(call.slot);
    }
  }

  @Override
  public void redirected(RedisCall call, String address, boolean ask) {
    onLoop(() -> {
      int slot = call.slot;
      Held h = held.get(slot);
      if (call.done() || (ask && h == null)) {
        back(call);
        if (!call.done()) {
          call.asking = true;
          send(address, call);
        }
        return;
      }
      if (!ask) {
        moved.put(slot, address);
        shards.stale();
      }
      (h != null ? h : held(slot)).back.add(call);
      heldCount++;
      back(call); // last: it may release the slot, this call first among those held
    });
  }

  @Override
  public void lost(RedisPipeline pipeline) {
    shards.stale();
  }

  /** A new topology: pipelines of primaries that are gone give back what they never wrote. */
  void topologyChanged(Topology next) {
    onLoop(() -> {
      topology = next;
      moved.entrySet().removeIf(e -> next.owner(e.getKey()) != null);
      for (Iterator<Map.Entry<String, RedisPipeline[]>> it = pipelines.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, RedisPipeline[]> entry = it.next();
        if (next.shards().containsKey(entry.getKey())) {
          continue;
        }
        boolean idle = true;
        for (RedisPipeline p : entry.getValue()) {
          for (RedisCall call : p.takeUnwritten()) {
            held(call.slot).back.add(call);
            heldCount++;
            back(call);
          }
          idle &= !p.connected();
        }
        if (idle) {
          it.remove();
          for (RedisPipeline p : entry.getValue()) {
            p.close();
          }
        }
      }
      for (Integer slot : List.copyOf(held.keySet())) {
        release(slot);
      }
    });
  }

  /** Sends a held slot's calls to its owner, in order, once none of it is out. */
  private void release(int slot) {
    Held h = held.get(slot);
    if (h == null || out[slot] > 0) {
      return;
    }
    String owner = ownerOf(slot);
    if (owner == null) {
      return; // until a topology read names one
    }
    held.remove(slot);
    List<RedisCall> calls = new ArrayList<>(h.back);
    calls.addAll(h.waiting);
    heldCount -= calls.size();
    for (RedisCall call : calls) {
      if (!call.done()) {
        send(owner, call);
      }
    }
  }

  private String ownerOf(int slot) {
    String told = moved.get(slot);
    return told != null ? told : topology.owner(slot);
  }

  private Held held(int slot) {
    return held.computeIfAbsent(slot, s -> new Held());
  }

  private void hold(Held h, RedisCall call) {
    if (heldCount >= MAX_HELD) {
      call.fail("too many Redis commands waiting for their shard");
      return;
    }
    h.waiting.add(call);
    heldCount++;
  }

  private RedisPipeline[] pipelinesTo(String address) {
    return pipelines.computeIfAbsent(address, a -> factory.apply(a, this));
  }

  private void failOverdue() {
    if (held.isEmpty()) {
      return;
    }
    long limit = timeout.limit();
    for (Held h : held.values()) {
      timeout.failOverdue(h.back, limit, " (the shard of its key was moving)");
      timeout.failOverdue(h.waiting, limit, " (the shard of its key was moving)");
    }
  }

  Future<Void> close() {
    vertx.cancelTimer(timer);
    List<Future<Void>> closing = new ArrayList<>();
    pipelines.values().forEach(ps -> {
      for (RedisPipeline p : ps) {
        closing.add(p.close());
      }
    });
    held.values().forEach(h -> {
      h.back.forEach(c -> c.fail("the node is shutting down"));
      h.waiting.forEach(c -> c.fail("the node is shutting down"));
    });
    held.clear();
    return Future.join(closing).mapEmpty();
  }

  private void onLoop(Runnable action) {
    if (Context.isOnEventLoopThread() && Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
