package chat.gateway.webhook;

import chat.gateway.message.MessageFrames;
import chat.gateway.message.Position;
import chat.gateway.redis.RedisCommands;
import chat.gateway.redis.RedisKeys;
import chat.gateway.redis.RedisScript;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The webhook events of one Redis (a standalone one, or the primary under Sentinel): a stream the scripts append
 * to with what each event reports (publish.lua, member.lua, register.lua, unregister.lua). Whichever node holds
 * the shard's lease delivers them; a node that dies or pauses past the lease loses it, and another takes the
 * undelivered events over from the oldest, with the same ids (the stream ids). The lease is checked (and renewed)
 * before each post and each removal, so a node that lost it posts nothing more and removes nothing.
 */
public final class RedisWebhookShard implements WebhookShard {
  /** How long a lease lasts unless renewed; a dead or paused deliverer's events wait at most about this long. */
  static final long LEASE_MILLIS = 5_000;
  /** How often an idle deliverer looks for new events (and a non-owner for a free lease). */
  private static final long POLL_MILLIS = 10;

  private final RedisCommands redis;
  private final RedisKeys keys;
  private final String token;
  private volatile long waiting;
  private volatile long dropped;

  public RedisWebhookShard(RedisCommands redis, String nodeId) {
    this.redis = redis;
    this.keys = redis.keys();
    // one per process: a node that comes back under the same id is a new holder
    this.token = nodeId + ":" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  }

  /** Renewed at most this often while idle; a post always checks the lease first ({@link #fence}). */
  private static final long RENEW_MILLIS = 1_000;
  private volatile long heldSince;

  @Override
  public Future<Boolean> own() {
    long now = System.nanoTime();
    if (heldSince != 0 && now - heldSince < RENEW_MILLIS * 1_000_000) {
      return Future.succeededFuture(true);
    }
    return fence();
  }

  @Override
  public Future<Boolean> fence() {
    long asked = System.nanoTime();
    return redis.script(RedisScript.WEBHOOK_OWN, List.of(keys.webhookLease()),
        List.of(token, Long.toString(LEASE_MILLIS))).map(r -> {
          boolean mine = r.toInteger() == 1;
          heldSince = mine ? asked : 0;
          if (!mine) {
            waiting = 0; // the holder's gauge counts the shard's events; a node that does not deliver shows none
          }
          return mine;
        });
  }

  @Override
  public long standbyMillis() {
    return RENEW_MILLIS;
  }

  private volatile long countedAt;

  @Override
  public Future<List<Waiting>> oldest(int max) {
    Future<Response> entries = redis.send(Command.XRANGE, keys.webhookEvents(), "-", "+", "COUNT", Integer.toString(max));
    long now = System.nanoTime();
    if (now - countedAt > RENEW_MILLIS * 1_000_000) { // the gauges, once a second
      countedAt = now;
      redis.send(Command.XLEN, keys.webhookEvents()).onSuccess(r -> waiting = r.toLong());
      redis.send(Command.HGET, keys.webhookStats(), "dropped").onSuccess(r -> dropped = r == null ? 0 : r.toLong());
    }
    return entries.map(found -> {
      List<Waiting> events = new ArrayList<>();
      for (Response entry : found) {
        String id = entry.get(0).toString();
        Map<String, String> fields = new HashMap<>();
        Response list = entry.get(1);
        for (int i = 0; i + 1 < list.size(); i += 2) {
          fields.put(list.get(i).toString(), list.get(i + 1).toString());
        }
        long ts = Long.parseLong(fields.getOrDefault("ts", "0"));
        events.add(new Waiting(id, ts, render(id, ts, fields)));
      }
      return events;
    });
  }

  @Override
  public Future<Void> delivered(Waiting last) {
    String[] id = last.id().split("-", 2);
    String next = id[0] + "-" + (Long.parseLong(id[1]) + 1);
    return redis.script(RedisScript.WEBHOOK_DELIVERED, List.of(keys.webhookLease(), keys.webhookEvents()),
        List.of(token, next)).mapEmpty();
  }

  @Override
  public long waiting() {
    return waiting;
  }

  @Override
  public long droppedForBacklog() {
    return dropped;
  }

  @Override
  public void onRecord(Runnable signal) {
    // the scripts record on Redis; the deliverer polls
  }

  @Override
  public long pollMillis() {
    return POLL_MILLIS;
  }

  /** The event as posted, from the fields a script recorded. */
  static JsonObject render(String id, long ts, Map<String, String> f) {
    JsonObject event = new JsonObject().put("id", id).put("type", f.get("t")).put("ts", ts);
    switch (f.get("t")) {
      case "message" -> {
        byte[] frame = MessageFrames.encode(f.get("ch"), f.get("id"), Position.ofStreamId(f.get("ep"), f.get("sid")),
            f.get("f"), f.get("to"), ts, f.get("b"));
        event.put("channel", f.get("ch")).put("message", new JsonObject(Buffer.buffer(frame)));
        if ("1".equals(f.get("off"))) {
          event.put("offline", true);
        }
      }
      case "member" -> event.put("channel", f.get("ch")).put("user", f.get("u")).put("event", f.get("e"));
      case "presence" -> event.put("user", f.get("u")).put("event", f.get("e"));
      case "session" -> {
        event.put("user", f.get("u")).put("session", f.get("s")).put("node", f.get("n")).put("event", f.get("e"));
        if (f.containsKey("c")) {
          event.put("code", Integer.parseInt(f.get("c")));
        }
      }
      default -> { }
    }
    return event;
  }
}
