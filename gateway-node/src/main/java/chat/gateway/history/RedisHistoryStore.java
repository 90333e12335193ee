package chat.gateway.history;

import chat.gateway.config.WebhookConfig;
import chat.gateway.redis.RedisCommands;
import chat.gateway.webhook.Recording;
import chat.gateway.redis.RedisKeys;
import chat.gateway.redis.RedisScript;
import chat.gateway.message.MessageFrames;
import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import chat.gateway.message.StoredMessage;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * {@link HistoryStore} on Redis Streams, one stream per channel. Appends run {@code publish.lua}: dedupe,
 * XADD with the window's length and age trims, and PUBLISH, atomically, so publish order is stream order
 * on every node. Each channel has an epoch in its meta hash, created with the first use of the channel:
 * when Redis loses the data (flushed, restarted empty) the epoch goes with it and positions from before
 * are reported lost instead of silently resolving against new entries. A channel's stream and meta hash
 * expire {@code maxAge} (and at most a 64th more: lib/expiry.lua) after its last write (a join's head read
 * creates the meta hash with that expiry too), so nothing one user writes stays in Redis much past the history
 * window. The window shown is exact: the count trim (in whole stream nodes) keeps at least the newest entry past
 * the window, which the readers do not show, and an age trim records the newest id it trimmed, so a resume from
 * before either is not recovered (lib/window.lua; Redis 7.0 keeps {@code max-deleted-entry-id} for XDEL only).
 *
 * <p>While the broker is not available ({@link chat.gateway.cluster.Broker#available}) appends fail at once: a
 * message published then may reach nobody live. On a Redis Cluster that is while every shard is down; an
 * append to a shard that is failing over waits for the promoted replica (up to {@code REDIS_TIMEOUT}).
 */
public final class RedisHistoryStore implements HistoryStore {
  /**
   * Bytes a message frame adds to the values of its stream entry, at least (its JSON names and punctuation):
   * the page script's count of bytes never passes the frames', so it never stops before the page is full.
   */
  private static final int FRAME_OVERHEAD_AT_LEAST = 64;
  private final RedisCommands redis;
  private final RedisKeys keys;
  private final BooleanSupplier linkUp;
  private final Clock clock;
  private final int maxMessages;
  /** {@code maxMessages} as the scripts get it: the history window's count (a stream keeps more, lib/window.lua). */
  private final String window;
  private final long maxAgeMillis;
  private final long dedupeTtlSeconds;
  private final String publishCommand;
  /** The webhook's {@code message} event is recorded by the publish script, with the message (its first copy). */
  private final Recording webhooks;
  /** Per publisher, its last direct message whose sender's copy is not written yet (see {@link #append}). */
  private final Map<Object, Future<Void>> copies = new ConcurrentHashMap<>();

  public RedisHistoryStore(RedisCommands redis, BooleanSupplier linkUp, Clock clock, int maxMessages, Duration maxAge,
                           Duration dedupeTtl, Recording webhooks) {
    this.redis = redis;
    this.webhooks = webhooks;
    this.clock = clock;
    this.keys = redis.keys();
    this.linkUp = linkUp;
    this.maxMessages = maxMessages;
    this.window = Integer.toString(maxMessages);
    this.maxAgeMillis = maxAge.toMillis();
    this.dedupeTtlSeconds = Math.max(1, dedupeTtl.toSeconds());
    this.publishCommand = keys.cluster() ? "SPUBLISH" : "PUBLISH";
  }

  /**
   * Stores the message in its channel; a direct message then in the sender's own channel too, with the id
   * and time of the first copy, each write in its own slot and deduplicated on its own, the sender's copy
   * last: a resend after the second write failed finds the first ({@code dup}: same id, not published
   * again) and completes the second, so the message is acked with one id and delivered once. The sender's
   * copies are written in the order their sends were made, like everything else one sender does.
   */
  @Override
  public Future<Appended> append(Draft draft) {
    if (!linkUp.getAsBoolean()) {
      return Future.failedFuture("the cluster's pub/sub is down");
    }
    // One publisher's appends run in the order they were made (a session's sends keep their order).
    Object orderKey = draft.key() == null ? draft.to().name() : draft.key().scope();
    if (draft.key() != null && !draft.key().fingerprint().isEmpty()) {
      return claim(draft.key()).compose(v -> appendAll(draft, orderKey));
    }
    return appendAll(draft, orderKey);
  }

  /**
   * Claims an API idempotency key for this publish (its fingerprint), in the key's own slot: a key used before
   * for another publish (another channel included, which lies in another slot) is refused here; a retry of
   * the same publish goes on, and the channel's dedupe record answers it.
   */
  private Future<Void> claim(DedupeKey key) {
    return redis.send(Command.SET, keys.claim(key.name()), key.fingerprint(), "NX", "EX", dedupeTtlSeconds, "GET")
        .compose(earlier -> earlier == null || key.sameRequest(earlier.toString()) ? Future.succeededFuture()
            : Future.failedFuture(key.conflict()));
  }

  /**
   * A version (1.1) of a direct message applies to the copies that still hold the message: a copy that does not is
   * passed over (null), and only when neither does is the version {@code not_found}.
   */
  private Future<Appended> appendAll(Draft draft, Object orderKey) {
    boolean version = draft.version().changes();
    Future<Stored> stored0 = store(draft, draft.channels().get(0), false, draft.id(), draft.ts(), orderKey);
    if (draft.channels().size() == 1) {
      return stored0.compose(stored -> appended(draft, stored));
    }
    Future<Stored> first = version ? stored0.recover(e -> passOver(e)) : stored0;
    Promise<Void> copyWritten = Promise.promise();
    Future<Void> before = copies.put(orderKey, copyWritten.future());
    Future<Stored> copy = first.compose(stored -> (before == null ? Future.<Void>succeededFuture()
        : before.<Void>transform(ar -> Future.succeededFuture()))
        .compose(v -> {
          Future<Stored> written = store(draft, draft.channels().get(1), true, stored == null ? draft.id() : stored.id(),
              stored == null ? draft.ts() : stored.ts(), orderKey);
          copyWritten.tryComplete();
          return version && stored != null ? written.recover(e -> passOver(e)) : written;
        }));
    copy.onComplete(ar -> {
      copyWritten.tryComplete();
      copies.remove(orderKey, copyWritten.future());
    });
    return copy.compose(c -> first.compose(stored -> stored != null || c != null ? appended(draft, stored != null ? stored : c)
        : Future.failedFuture(draft.notFound())));
  }

  /** A copy that does not hold the message a version names is passed over (null); other failures stand. */
  private static Future<Stored> passOver(Throwable failure) {
    return failure instanceof ProtocolException p && p.code() == ErrorCode.NOT_FOUND ? Future.succeededFuture()
        : Future.failedFuture(failure);
  }

  @Override
  public Future<Appended> stored(DedupeKey key, String channel) {
    return redis.send(Command.GET, keys.dedupe(channel, key.name(), false)).map(record -> {
      if (record == null) {
        return null;
      }
      String[] f = record.toString().split("\\|", 6);
      return new Appended(f[0], f[1], Position.ofStreamId(f[2], f[3]), true);
    });
  }

  /** The stored result as the ack reports it; a resend of another publish under an API key is refused. */
  private static Future<Appended> appended(Draft draft, Stored stored) {
    Appended appended = new Appended(stored.to(), stored.id(), stored.position(), false);
    if (!stored.duplicate()) {
      return Future.succeededFuture(appended);
    }
    return draft.key().sameRequest(stored.fingerprint()) ? Future.succeededFuture(appended.asDuplicate())
        : Future.failedFuture(draft.key().conflict());
  }

  /** What publish.lua stored (or had stored, for a repeat) in one channel. */
  private record Stored(String to, String id, Position position, String fingerprint, long ts, boolean duplicate) {
  }

  private Future<Stored> store(Draft draft, String channel, boolean copy, String id, long ts, Object orderKey) {
    boolean check = draft.membersOnly() && draft.to().isGroup() && !copy;
    String eventMax = copy ? "" : webhooks.max(WebhookConfig.Type.MESSAGE); // "": no message event recorded
    boolean event = !eventMax.isEmpty();
    List<String> webhookKeys = webhooks.keysFor(channel);
    Counting counting = Counting.of(draft, channel);
    Version version = draft.version();
    String unused = keys.unused(channel);
    List<String> keyList = withoutUnusedTail(List.of(
        draft.key() == null ? unused : keys.dedupe(channel, draft.key().name(), copy),
        check ? keys.members(draft.to().id()) : unused, keys.stream(channel), keys.meta(channel),
        keys.topic(channel), webhookKeys.get(0), webhookKeys.get(1),
        event && draft.to().isUser() ? keys.sessions(draft.to().id()) : unused,
        counting == Counting.CONVERSATION || counting == Counting.OWN_COPY ? keys.reads(channel) : unused,
        version.changes() ? keys.tombstones(channel) : unused, version.changes() ? keys.versions(channel) : unused),
        5, unused);
    List<String> args = withoutUnusedTail(List.of(draft.key() == null ? "0" : Long.toString(dedupeTtlSeconds),
        window, Long.toString(Math.max(0, ts - maxAgeMillis)), Position.newEpoch(), id, draft.from(),
        draft.to().name(), Long.toString(ts), draft.bodyJson() == null ? "" : draft.bodyJson(), draft.key() == null ? "" : draft.key().fingerprint(),
        Long.toString(maxAgeMillis), check ? draft.from() : "", channel, publishCommand,
        eventMax, counting.wire, version.replaces() != null ? "r" : version.deletes() != null ? "d" : "",
        version.changes() ? version.target() : "", version.changes() ? Long.toString(version.targetMillis()) : "",
        version.anyAuthor() ? "1" : ""), 14, "");
    if (version.changes() && version.targetMillis() < 0) {
      return Future.failedFuture(draft.notFound()); // not an id of this gateway's
    }
    return webhooks.told(channel, eventMax, redis.script(RedisScript.PUBLISH, orderKey, keyList, args))
        .compose(reply -> {
      if (reply.size() == 1) {
        return Future.failedFuture(switch (reply.get(0).toString()) {
          case "not_found" -> draft.notFound();
          case "not_theirs" -> draft.notTheirs();
          default -> draft.notMember();
        });
      }
      String[] f = reply.get(1).toString().split("\\|", 6);
      long storedTs = f.length > 5 ? Long.parseLong(f[5]) : ts; // records of earlier versions carry no time
      return Future.succeededFuture(new Stored(f[0], f[1], Position.ofStreamId(f[2], f[3]), f.length > 4 ? f[4] : "",
          storedTs, reply.get(0).toString().equals("dup")));
    });
  }

  /**
   * {@code list} without the trailing entries equal to {@code unused} past its first {@code kept}: publish.lua takes
   * its keys and arguments past those as an optional tail, and every one it is not sent is one Redis need not read.
   */
  static List<String> withoutUnusedTail(List<String> list, int kept, String unused) {
    int end = list.size();
    while (end > kept && list.get(end - 1).equals(unused)) {
      end--;
    }
    return list.subList(0, end);
  }

  @Override
  public Future<Page> page(String channel, Position before, int limit, int maxBytes) {
    String end = before == null ? "+" : "(" + before.streamId();
    return redis.script(RedisScript.PAGE, List.of(keys.stream(channel), keys.meta(channel), keys.tombstones(channel)),
        List.of(before == null ? "" : before.epoch(), end, Integer.toString(limit + 1), oldestKept(),
            Integer.toString(maxBytes), Integer.toString(FRAME_OVERHEAD_AT_LEAST), window))
        .compose(reply -> {
          if (reply.get(0).toString().equals("lost")) {
            return Future.failedFuture(new ProtocolException(ErrorCode.NOT_FOUND,
                "that position is from history this server no longer has"));
          }
          List<StoredMessage> newestFirst = entries(channel, reply.get(1).toString(), reply.get(2));
          return Future.succeededFuture(Page.fromNewest(newestFirst.iterator(), before, limit, maxBytes));
        });
  }

  @Override
  public Future<Replay> since(String channel, Position after, int maxBytes) {
    return redis.script(RedisScript.SINCE, List.of(keys.stream(channel), keys.meta(channel), keys.tombstones(channel)),
        List.of(after.epoch(), after.streamId(), Integer.toString(2 * maxMessages + 200), oldestKept(),
            Integer.toString(maxBytes), Integer.toString(FRAME_OVERHEAD_AT_LEAST), window))
        .map(reply -> {
          if (reply.get(0).toString().equals("lost")) {
            return Replay.NOT_RECOVERED;
          }
          String last = reply.get(1).toString();
          String trimmed = reply.get(2).toString();
          boolean fromTheFuture = !last.isEmpty() && after.compareTo(Position.ofStreamId(after.epoch(), last)) > 0;
          boolean trimmedPast = !trimmed.isEmpty() && Position.ofStreamId(after.epoch(), trimmed).compareTo(after) > 0;
          if (fromTheFuture || trimmedPast) {
            return Replay.NOT_RECOVERED;
          }
          return new Replay(true, entries(channel, after.epoch(), reply.get(3)), reply.get(4).toInteger() == 1);
        });
  }

  @Override
  public Future<StoredMessage> find(String channel, String id) {
    long millis = Version.millisOf(id);
    if (millis < 0) {
      return Future.succeededFuture();
    }
    return redis.script(RedisScript.FIND, List.of(keys.stream(channel), keys.meta(channel)),
        List.of(id, Long.toString(millis), window)).map(reply -> reply.size() == 0 ? null
        : entries(channel, reply.get(0).toString(), reply.get(1)).get(0));
  }

  @Override
  public Future<Position> head(String channel) {
    return redis.script(RedisScript.HEAD, List.of(keys.meta(channel)),
        List.of(Position.newEpoch(), Long.toString(maxAgeMillis)))
        .map(reply -> Position.head(reply.get(0).toString(), reply.get(1).toString()));
  }

  /** A stream id's time is when its message was written, or later: its keys expire no sooner than the age after it. */
  @Override
  public boolean mayHaveExpired(Position newest) {
    return newest.major() != 0 && newest.major() <= oldestKeptMillis();
  }

  /** Stream entries {@code [id, [field, value, ...]]} as stored messages, in the order given. */
  private static List<StoredMessage> entries(String channel, String epoch, Response list) {
    List<StoredMessage> messages = new ArrayList<>();
    if (list == null) {
      return messages;
    }
    for (int i = 0; i < list.size(); i++) {
      Response entry = list.get(i);
      Position position = Position.ofStreamId(epoch, entry.get(0).toString());
      Response fields = entry.get(1);
      String id = null;
      String from = null;
      String to = null;
      String body = null;
      String replaces = null;
      String deletes = null;
      boolean erased = false;
      long ts = 0;
      for (int f = 0; f + 1 < fields.size(); f += 2) {
        String value = fields.get(f + 1).toString();
        switch (fields.get(f).toString()) {
          case "id" -> id = value;
          case "from" -> from = value;
          case "to" -> to = value;
          case "ts" -> ts = Long.parseLong(value);
          case "body" -> body = value;
          case "rp" -> replaces = value;
          case "dl" -> deletes = value;
          case "deleted" -> erased = true;
          default -> { }
        }
      }
      messages.add(new StoredMessage(channel, id, position, from, to, ts,
          MessageFrames.json(channel, id, position, from, to, ts, erased ? null : body, replaces, deletes)
              .getBytes(java.nio.charset.StandardCharsets.UTF_8), replaces, deletes, erased));
    }
    return messages;
  }

  /** The oldest stream id the age window keeps, in ms. */
  private String oldestKept() {
    return Long.toString(oldestKeptMillis());
  }

  /** The time of the oldest stream id the history's age keeps. */
  private long oldestKeptMillis() {
    return Math.max(0, clock.millis() - maxAgeMillis);
  }
}
