package chat.gateway.webhook;

import chat.gateway.message.MessageFrames;
import chat.gateway.message.Position;
import chat.gateway.redis.RedisCommands;
import chat.gateway.redis.RedisKeys;
import chat.gateway.redis.RedisScript;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The webhook events of one shard on Redis, recorded by the scripts with what they report (publish.lua, member.lua,
 * register.lua, unregister.lua) into the stream of the slot they run in: on one Redis (or under Sentinel) a single
 * stream; on a Redis Cluster one per slot, and the shard is a primary's slots, named by its first.
 *
 * <p><b>Who delivers.</b> Whichever node holds the shard's lease, taken by a round trip that also reads events and
 * renewed with the first round trip after each second. A node posts what it read only within 4 s of the round trip
 * that last confirmed the lease (5 s): a node that died or paused past it has its events taken over by another, from
 * the oldest, with the same ids, and, waking, reads again and finds the lease gone before it posts. Delivered events
 * are read past at once and trimmed off their stream once a second; a new holder posts the untrimmed ones again (a
 * repeat under the same id).
 *
 * <p><b>Which slots (cluster).</b> One command cannot read many slots' streams, and reading every slot of a shard
 * every few milliseconds would cost Redis more than the events do. So the holder reads the shard's hash of slots each
 * round (every recording is counted there, {@link Recording#told}) and then only the slots whose count changed or that
 * still had events. A slot read empty whose count stays the same for 2 s leaves the hash, and is read once more after
 * (an event told just before the removal is found there). Events whose node died before telling are found by a sweep
 * of a twentieth of the shard's slots a second, and of all of them when the lease is taken or the slots change.
 *
 * <p><b>Bounds.</b> A script keeps its stream within {@code WEBHOOK_MAX_BACKLOG} (dropping the oldest, counted in the
 * slot's stats); on a cluster the holder also keeps the shard as a whole within it, once a second, dropping each
 * slot's oldest in proportion. The holder counts the drops it finds into this node's metrics.
 */
public final class RedisWebhookShard implements WebhookShard {
  /** How long a lease lasts unless renewed; a dead or paused deliverer's events wait at most about this long. */
  static final long LEASE_MILLIS = 5_000;
  /** The holder renews its lease with the first round trip after this long. */
  private static final long RENEW_MILLIS = 1_000;
  /**
   * A lease renewed by a round trip sent at t is this node's until at least t + {@link #LEASE_MILLIS}: what it read
   * is posted only before t + this (a node paused between the read and the post reads again).
   */
  private static final long POST_WITHIN_MILLIS = LEASE_MILLIS - 1_000;
  /** How often an idle deliverer looks for new events. */
  private static final long POLL_MILLIS = 10;
  /** How often a node that does not deliver tries for the lease. */
  private static final long STANDBY_MILLIS = 1_000;
  /** How often the holder trims what it delivered, reads the backlog, counts drops and sweeps a part of the slots. */
  private static final long HOUSEKEEPING_MILLIS = 1_000;
  /** A cluster's slots are swept in this many parts, one a second. */
  private static final int SWEEP_PARTS = 20;
  /** A slot told of but read empty this long leaves the shard's hash of slots. */
  private static final long QUIET_MILLIS = 2_000;

  private final RedisCommands redis;
  private final RedisKeys keys;
  private final int shard;
  private final String token;
  private final long maxBacklog;
  private volatile int[] slots;
  /** The counts of the shard's hash of slots as last read (cluster): a count that changed means new events. */
  private final Map<Integer, Long> told = new ConcurrentHashMap<>();
  /** Slots whose last read found events: read again each round (the one stream, always, on one Redis). */
  private final Set<Integer> pending = ConcurrentHashMap.newKeySet();
  /** When each slot told of was first read empty since its count last changed (System.nanoTime). */
  private final Map<Integer, Long> emptySince = new ConcurrentHashMap<>();
  /** The last event delivered from each slot: reads start after it, whether or not its trim has landed yet. */
  private final Map<Integer, String> deliveredUpTo = new ConcurrentHashMap<>();
  /** Trims not sent yet: the first id each slot keeps. Sent once a second, and when the node stops delivering. */
  private final Map<Integer, String> trims = new ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean held;
  private volatile boolean sweepAll;
  private volatile long waiting;
  /** When the last round trip that found the lease held was sent (System.nanoTime). */
  private volatile long heldFrom;
  private long housekeptAt;
  private int sweepPart;

  /**
   * @param shard  the shard's first slot (0 on one Redis)
   * @param slots  its slots (on one Redis: {0})
   * @param holder this process's name for the lease (a node that comes back under the same id is a new holder)
   */
  RedisWebhookShard(RedisCommands redis, int shard, int[] slots, String holder, long maxBacklog) {
    this.redis = redis;
    this.keys = redis.keys();
    this.shard = shard;
    this.slots = slots;
    this.token = holder;
    this.maxBacklog = maxBacklog;
    if (!keys.cluster()) {
      pending.add(0);
    }
  }

  /** The shard's slots changed (a slot migrated): the next holder's round sweeps them all. */
  void slots(int[] now) {
    slots = now;
    List<Integer> kept = java.util.Arrays.stream(now).boxed().toList();
    pending.retainAll(kept);
    told.keySet().retainAll(kept);
    sweepAll = true;
  }

  /**
   * One round: the lease (when this node does not hold it, or its renewal is due) and the events, in one round trip
   * on one Redis; on a cluster the shard's hash of slots first, then the slots whose count changed or that had
   * events left.
   */
  @Override
  public Future<List<Waiting>> take(int max) {
    long sent = System.nanoTime();
    Future<Response> lease = !held || sent - heldFrom > RENEW_MILLIS * 1_000_000
        ? redis.script(RedisScript.WEBHOOK_OWN, List.of(keys.webhookLease(shard)), List.of(token, Long.toString(LEASE_MILLIS)))
        : null;
    Future<Response> counts = keys.cluster() ? redis.send(Command.HGETALL, keys.webhookSlots(shard)) : null;
    Map<Integer, Future<Response>> reads = keys.cluster() ? new LinkedHashMap<>() : read(List.of(0), max);
    List<Future<?>> all = new ArrayList<>(reads.values());
    if (lease != null) {
      all.add(lease);
    }
    if (counts != null) {
      all.add(counts);
    }
    return Future.join(all).transform(ar -> {
      if (lease != null) {
        if (lease.failed()) {
          return Future.failedFuture(lease.cause());
        }
        if (lease.result().toInteger() != 1) {
          lost();
          return Future.succeededFuture(null);
        }
        if (!held) {
          held = true;
          sweepAll = keys.cluster();
        }
        heldFrom = sent;
      }
      housekeeping();
      if (counts == null) {
        return Future.succeededFuture(oldest(reads, max));
      }
      if (counts.failed()) {
        return Future.failedFuture(counts.cause());
      }
      Map<Integer, Future<Response>> more = read(changed(counts.result()), max);
      return Future.join(new ArrayList<>(more.values())).transform(done -> Future.succeededFuture(oldest(more, max)));
    });
  }

  /** The slots to read now: those whose count changed since last read, and those with events left. */
  private List<Integer> changed(Response hash) {
    List<Integer> toRead = new ArrayList<>(pending);
    Set<Integer> inHash = new java.util.HashSet<>();
    for (Map.Entry<Integer, Long> e : counts(hash).entrySet()) {
      int slot = e.getKey();
      long count = e.getValue();
      inHash.add(slot);
      Long before = told.put(slot, count);
      if (before == null || before != count) {
        emptySince.remove(slot);
        if (!pending.contains(slot)) {
          toRead.add(slot);
        }
      } else if (!pending.contains(slot)) {
        quiet(slot);
      }
    }
    told.keySet().retainAll(inHash);
    return toRead;
  }

  /** HGETALL's answer: a map (RESP3), or fields and values in turn (RESP2). */
  private static Map<Integer, Long> counts(Response hash) {
    Map<Integer, Long> counts = new HashMap<>();
    Set<String> fields;
    try {
      fields = hash.getKeys();
    } catch (UnsupportedOperationException notAMap) {
      fields = Set.of();
    }
    if (!fields.isEmpty()) {
      fields.forEach(f -> counts.put(Integer.parseInt(f), hash.get(f).toLong()));
    } else {
      for (int i = 0; i + 1 < hash.size(); i += 2) {
        counts.put(Integer.parseInt(hash.get(i).toString()), hash.get(i + 1).toLong());
      }
    }
    return counts;
  }

  /**
   * A slot told of, read empty, whose count has not changed for {@link #QUIET_MILLIS}, leaves the hash, then is read
   * once more: an event recorded before the removal but told after the last read is found there (and the slot told
   * of again); one told after the removal puts the slot back itself.
   */
  private void quiet(int slot) {
    long now = System.nanoTime();
    long since = emptySince.computeIfAbsent(slot, s -> now);
    if (now - since < QUIET_MILLIS * 1_000_000) {
      return;
    }
    emptySince.remove(slot);
    told.remove(slot);
    countDrops(slot);
    redis.send(Command.HDEL, keys.webhookSlots(shard), Integer.toString(slot))
        .compose(v -> undelivered(slot, 1))
        .onSuccess(left -> {
          if (left.size() > 0) {
            redis.send(Command.HINCRBY, keys.webhookSlots(shard), Integer.toString(slot), "1");
          }
        });
  }

  private Future<Response> undelivered(int slot, int max) {
    String after = deliveredUpTo.get(slot);
    return redis.send(Command.XRANGE, keys.webhookEvents(slot), after == null ? "-" : "(" + after, "+", "COUNT",
        Integer.toString(max));
  }

  private Map<Integer, Future<Response>> read(List<Integer> from, int max) {
    Map<Integer, Future<Response>> reads = new LinkedHashMap<>();
    for (int slot : from) {
      reads.put(slot, undelivered(slot, max));
    }
    return reads;
  }

  /** The oldest {@code max} events read, by their stream ids (one Redis's clock per shard). */
  private List<Waiting> oldest(Map<Integer, Future<Response>> reads, int max) {
    List<Waiting> events = new ArrayList<>();
    reads.forEach((slot, read) -> {
      if (read.failed()) {
        return;
      }
      if (read.result().size() == 0) {
        if (keys.cluster()) {
          pending.remove(slot);
        }
        return;
      }
      pending.add(slot);
      for (Response entry : read.result()) {
        events.add(waiting(slot, entry));
      }
    });
    if (reads.size() > 1) {
      events.sort(Comparator.comparingLong((Waiting w) -> millisOf(streamId(w.id())))
          .thenComparingLong(w -> seqOf(streamId(w.id()))));
    }
    return events.size() > max ? new ArrayList<>(events.subList(0, max)) : events;
  }

  @Override
  public boolean holds() {
    return held && System.nanoTime() - heldFrom < POST_WITHIN_MILLIS * 1_000_000;
  }

  /** Reads go on after them at once; their trim goes with the next housekeeping. */
  @Override
  public void delivered(List<Waiting> events) {
    for (Waiting e : events) {
      String id = streamId(e.id());
      deliveredUpTo.put(e.slot(), id);
      trims.put(e.slot(), millisOf(id) + "-" + (seqOf(id) + 1));
    }
  }

  private void trim() {
    for (Integer slot : List.copyOf(trims.keySet())) {
      String firstKept = trims.remove(slot);
      if (firstKept != null) {
        redis.send(Command.XTRIM, keys.webhookEvents(slot), "MINID", firstKept);
      }
    }
  }

  @Override
  public void close() {
    trim();
  }

  /** Another node holds the lease: it reads from the oldest; so will this one if it takes the lease again. */
  private void lost() {
    held = false;
    waiting = 0; // the holder's gauge counts the shard's events; a node that does not deliver shows none
    trim();
    deliveredUpTo.clear();
    if (keys.cluster()) {
      pending.clear();
      told.clear();
      emptySince.clear();
    }
  }

  /**
   * Once a second while holding the lease: the trims, the backlog (the waiting gauge), the drops the scripts counted,
   * on a cluster the shard's bound and a sweep of a part of its slots (all of them after taking the lease or a change).
   */
  private void housekeeping() {
    long now = System.nanoTime();
    if (now - housekeptAt < HOUSEKEEPING_MILLIS * 1_000_000 && !sweepAll) {
      return;
    }
    housekeptAt = now;
    trim();
    List<Integer> known = List.copyOf(pending);
    Map<Integer, Future<Response>> lengths = new LinkedHashMap<>();
    for (int slot : known) {
      lengths.put(slot, redis.send(Command.XLEN, keys.webhookEvents(slot)));
      countDrops(slot);
    }
    Future.join(new ArrayList<>(lengths.values())).onComplete(ar -> {
      Map<Integer, Long> backlog = new LinkedHashMap<>();
      lengths.forEach((slot, len) -> backlog.put(slot, len.succeeded() ? len.result().toLong() : 0));
      long total = backlog.values().stream().mapToLong(Long::longValue).sum();
      waiting = held ? total : 0;
      if (total > maxBacklog && keys.cluster()) {
        backlog.forEach((slot, len) -> redis.send(Command.XTRIM, keys.webhookEvents(slot), "MAXLEN",
            Long.toString(len * maxBacklog / total)).onSuccess(removed -> dropped.addAndGet(removed.toLong())));
      }
    });
    if (keys.cluster()) {
      sweep();
    }
  }

  /** The drops a script counted in {@code slot} (only while its stream was full, so while the slot held events). */
  private void countDrops(int slot) {
    String stats = keys.webhookStats(slot);
    redis.send(Command.HGET, stats, "dropped").onSuccess(n -> {
      long count = n == null ? 0 : n.toLong();
      if (count > 0) { // a script may count more meanwhile: take away only what was counted here
        dropped.addAndGet(count);
        redis.send(Command.HINCRBY, stats, "dropped", Long.toString(-count));
      }
    });
  }

  /** Slots not told of that hold undelivered events (their node died before telling): told of here. */
  private void sweep() {
    int[] all = slots;
    int from = 0;
    int to = all.length;
    if (sweepAll) {
      sweepAll = false;
    } else {
      from = (int) ((long) all.length * sweepPart / SWEEP_PARTS);
      to = (int) ((long) all.length * (sweepPart + 1) / SWEEP_PARTS);
      sweepPart = (sweepPart + 1) % SWEEP_PARTS;
    }
    for (int i = from; i < to; i++) {
      int slot = all[i];
      if (told.containsKey(slot) || pending.contains(slot)) {
        continue;
      }
      redis.send(Command.XLEN, keys.webhookEvents(slot)).compose(len -> len.toLong() == 0 ? Future.succeededFuture(0)
          : undelivered(slot, 1).map(Response::size)).onSuccess(left -> {
            if (left > 0) {
              redis.send(Command.HINCRBY, keys.webhookSlots(shard), Integer.toString(slot), "1");
            }
          });
    }
  }

  @Override
  public long standbyMillis() {
    return STANDBY_MILLIS;
  }

  @Override
  public long waiting() {
    return waiting;
  }

  @Override
  public long droppedForBacklog() {
    return dropped.get();
  }

  @Override
  public void onRecord(Runnable signal) {
    // the scripts record on Redis; the deliverer polls
  }

  @Override
  public long pollMillis() {
    return POLL_MILLIS;
  }

  /**
   * An event's id is its stream id; on a cluster, where each slot has a stream and two may give the same id, with
   * {@code @<slot>} after it.
   */
  private static String streamId(String eventId) {
    int at = eventId.indexOf('@');
    return at < 0 ? eventId : eventId.substring(0, at);
  }

  private static long millisOf(String streamId) {
    return Long.parseLong(streamId, 0, streamId.indexOf('-'), 10);
  }

  private static long seqOf(String streamId) {
    return Long.parseLong(streamId, streamId.indexOf('-') + 1, streamId.length(), 10);
  }

  /** An XRANGE entry as the event posted: {@code {"id","type","ts",...}} from the fields a script recorded. */
  private Waiting waiting(int slot, Response entry) {
    String streamId = entry.get(0).toString();
    String id = keys.cluster() ? streamId + "@" + slot : streamId;
    Map<String, String> f = new HashMap<>();
    Response list = entry.get(1);
    for (int i = 0; i + 1 < list.size(); i += 2) {
      f.put(list.get(i).toString(), list.get(i + 1).toString());
    }
    long ts = Long.parseLong(f.getOrDefault("ts", "0"));
    return new Waiting(slot, id, ts, Buffer.buffer(render(id, ts, f)));
  }

  /**
   * The event's JSON. Every field is an id, a channel or user name, a node id, a position or a number (none needs
   * escaping), and a message's body is JSON already: this is concatenation, as for a message frame.
   */
  static String render(String id, long ts, Map<String, String> f) {
    String type = f.get("t");
    StringBuilder json = new StringBuilder(256).append("{\"id\":\"").append(id).append("\",\"type\":\"").append(type)
        .append("\",\"ts\":").append(ts);
    switch (type) {
      case "message" -> {
        String version = f.getOrDefault("v", ""); // (1.1) 'r': an edit of message tg, 'd': its deletion
        json.append(",\"channel\":\"").append(f.get("ch")).append("\",\"message\":").append(MessageFrames.json(
            f.get("ch"), f.get("id"), Position.ofStreamId(f.get("ep"), f.get("sid")), f.get("f"), f.get("to"), ts,
            f.get("b"), version.equals("r") ? f.get("tg") : null, version.equals("d") ? f.get("tg") : null));
        if ("1".equals(f.get("off"))) {
          json.append(",\"offline\":true");
        }
      }
      case "member" -> field(field(field(json, "channel", f.get("ch")), "user", f.get("u")), "event", f.get("e"));
      case "presence" -> field(field(json, "user", f.get("u")), "event", f.get("e"));
      case "session" -> {
        field(field(field(field(json, "user", f.get("u")), "session", f.get("s")), "node", f.get("n")), "event", f.get("e"));
        if (f.containsKey("c")) {
          json.append(",\"code\":").append(Integer.parseInt(f.get("c")));
        }
      }
      default -> { }
    }
    return json.append('}').toString();
  }

  private static StringBuilder field(StringBuilder json, String name, String value) {
    return json.append(",\"").append(name).append("\":\"").append(value).append('"');
  }
}
