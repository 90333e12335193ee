package chat.gateway.history;

import chat.gateway.cluster.Event;
import chat.gateway.config.WebhookConfig.Type;
import chat.gateway.webhook.EventSink;
import chat.gateway.webhook.WebhookEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import chat.gateway.cluster.LocalFanout;
import chat.gateway.message.MessageFrames;
import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import chat.gateway.message.StoredMessage;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * {@link HistoryStore} of an embedded node. Positions take one node-wide counter (so a channel that was
 * dropped and started again never reuses a position) and one epoch per process: history does not
 * survive a restart, and positions from before it are not recovered.
 *
 * <p>Appends to a channel hold that channel's lock while they take a position and publish, which is
 * what makes publish order equal position order.
 *
 * <p>The store keeps at most {@code budgetBytes} of history and dedupe records in the heap (an estimate of
 * what each takes): past it, appends fail with {@code unavailable} until messages age out or are trimmed,
 * so that a few busy users cannot run the node out of memory.
 */
public final class MemoryHistoryStore implements HistoryStore {
  private final String epoch = Position.newEpoch();
  private final AtomicLong counter = new AtomicLong();
  private final Map<String, ChannelLog> logs = new ConcurrentHashMap<>();
  private final LocalFanout fanout;
  private final MemoryDedupeStore dedupe;
  /** The webhook's {@code message} events, recorded as each message is stored in its {@code to} channel. */
  private final EventSink events;
  /** Whether a user has a session open (a direct message to one who has none is {@code offline}). */
  private final Predicate<String> online;
  /** (user, group): whether the user is a member now, for {@link Draft#membersOnly} drafts. */
  private final BiPredicate<String, String> isMember;
  private final Clock clock;
  private final int maxMessages;
  private final long maxAgeMillis;
  private final long budgetBytes;
  /** Estimated heap bytes of every stored message. */
  private final AtomicLong storedBytes = new AtomicLong();
  /** Highest position counter of any message in a log that was dropped whole. */
  private volatile long droppedUpTo;

  private static final class ChannelLog {
    final ArrayDeque<StoredMessage> messages = new ArrayDeque<>();
    /** Names this log among the channel's logs: a read marker of a dropped one counts every kept message. */
    final long born;
    /** (1.1) Unread counters ({@link Counting}): a group's messages, and each sender's. */
    long counted;
    final Map<String, Long> bySender = new java.util.HashMap<>();
    long trimmedUpTo;
    long lastAppendAt;
    boolean dropped;

    ChannelLog(long born) {
      this.born = born;
    }

    void count(Counting counting, String from) {
      if (counting == Counting.GROUP) {
        counted++;
      }
      if (counting == Counting.GROUP || counting == Counting.CONVERSATION) {
        bySender.merge(from, 1L, Long::sum);
      }
    }

    /** Messages from others counted: in a group ({@code other} null) all but the reader's, else other's. */
    long counted(String reader, String other) {
      return other == null ? counted - bySender.getOrDefault(reader, 0L) : bySender.getOrDefault(other, 0L);
    }
  }

  public MemoryHistoryStore(LocalFanout fanout, MemoryDedupeStore dedupe, BiPredicate<String, String> isMember, Clock clock,
                            int maxMessages, Duration maxAge, long budgetBytes, EventSink events,
                            Predicate<String> online) {
    this.events = events;
    this.online = online;
    this.budgetBytes = budgetBytes;
    this.fanout = fanout;
    this.isMember = isMember;
    this.dedupe = dedupe;
    this.clock = clock;
    this.maxMessages = maxMessages;
    this.maxAgeMillis = maxAge.toMillis();
  }

  @Override
  public Future<Appended> append(Draft draft) {
    if (storedBytes.get() + dedupe.estimatedBytes() >= budgetBytes) {
      return Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE,
          "this node's message store is full; try again once older messages have aged out"));
    }
    if (draft.key() == null) {
      try {
        return Future.succeededFuture(appendNow(draft));
      } catch (ProtocolException e) {
        return Future.failedFuture(e);
      }
    }
    return dedupe.claim(draft.key()).compose(earlier -> {
      if (earlier != null) {
        return Future.succeededFuture(earlier.asDuplicate());
      }
      try {
        Appended appended = appendNow(draft);
        dedupe.complete(draft.key(), appended);
        return Future.succeededFuture(appended);
      } catch (RuntimeException e) {
        dedupe.release(draft.key());
        return Future.failedFuture(e);
      }
    });
  }

  @Override
  public Future<Appended> stored(DedupeKey key, String channel) {
    Appended earlier = dedupe.stored(key);
    return Future.succeededFuture(earlier == null ? null : earlier.asDuplicate());
  }

  private Appended appendNow(Draft draft) {
    List<String> channels = new ArrayList<>(draft.channels());
    Collections.sort(channels);
    Position[] positions = new Position[channels.size()];
    appendLocked(draft, channels, new ChannelLog[channels.size()], 0, positions);
    Position at = positions[channels.indexOf(draft.to().name())];
    for (int i = 0; at == null && i < positions.length; i++) {
      at = positions[i]; // a version stored only in the copy that still holds its message
    }
    return new Appended(draft.to().name(), draft.id(), at, false);
  }

  /**
   * (1.1) Which of the locked logs a version goes to: those that still hold its message (its first version); fails
   * {@code not_found} when none does, {@code forbidden} when the message is another user's.
   */
  private static boolean[] holders(Draft draft, ChannelLog[] locked) {
    boolean[] holds = new boolean[locked.length];
    boolean any = false;
    for (int i = 0; i < locked.length; i++) {
      StoredMessage original = original(locked[i], draft.version().target());
      if (original != null) {
        if (!draft.version().anyAuthor() && !original.from().equals(draft.from())) {
          throw draft.notTheirs();
        }
        holds[i] = true;
        any = true;
      }
    }
    if (!any) {
      throw draft.notFound();
    }
    return holds;
  }

  private static StoredMessage original(ChannelLog log, String id) {
    for (StoredMessage m : log.messages) {
      if (m.original() && m.id().equals(id)) {
        return m;
      }
    }
    return null;
  }

  /** (1.1) A deletion: every version of message {@code id} in the log loses its body (a frame with {@code deleted}). */
  private void erase(ChannelLog log, String id) {
    ArrayDeque<StoredMessage> kept = new ArrayDeque<>(log.messages.size());
    for (StoredMessage m : log.messages) {
      boolean version = (m.original() && m.id().equals(id)) || id.equals(m.replaces());
      if (version && !m.erased()) {
        StoredMessage erased = new StoredMessage(m.channel(), m.id(), m.position(), m.from(), m.to(), m.ts(),
            MessageFrames.json(m.channel(), m.id(), m.position(), m.from(), m.to(), m.ts(), null, m.replaces(), null)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), m.replaces(), null, true);
        storedBytes.addAndGet(heapBytes(erased) - heapBytes(m));
        kept.addLast(erased);
      } else {
        kept.addLast(m);
      }
    }
    log.messages.clear();
    log.messages.addAll(kept);
  }

  /** Locks the channels in name order (no deadlock between two DMs), then stores and publishes in each. */
  private void appendLocked(Draft draft, List<String> channels, ChannelLog[] locked, int index, Position[] positions) {
    if (index == channels.size()) {
      if (draft.membersOnly() && draft.to().isGroup() && !isMember.test(draft.from(), draft.to().id())) {
        throw draft.notMember();
      }
      boolean[] holds = draft.version().changes() ? holders(draft, locked) : null;
      for (int i = 0; i < channels.size(); i++) {
        ChannelLog log = locked[i];
        if (holds != null && !holds[i]) {
          continue;
        }
        if (draft.version().deletes() != null) {
          erase(log, draft.version().deletes());
        }
        Position position = new Position(epoch, counter.incrementAndGet(), 0);
        StoredMessage stored = draft.stored(channels.get(i), position);
        log.messages.addLast(stored);
        storedBytes.addAndGet(heapBytes(stored));
        log.lastAppendAt = clock.millis();
        log.count(Counting.of(draft, channels.get(i)), draft.from());
        trim(log, log.lastAppendAt);
        fanout.dispatch(new Event.Message(stored));
        positions[i] = position;
        if (channels.get(i).equals(draft.to().name()) && events.wants(Type.MESSAGE)) {
          events.record(WebhookEvent.message(draft.ts(), stored.channel(), new JsonObject(Buffer.buffer(stored.frame())),
              draft.to().isUser() && !online.test(draft.to().id())));
        }
      }
      return;
    }
    while (true) {
      ChannelLog log = logs.computeIfAbsent(channels.get(index), c -> new ChannelLog(counter.get()));
      synchronized (log) {
        if (!log.dropped) {
          locked[index] = log;
          appendLocked(draft, channels, locked, index + 1, positions);
          return;
        }
      }
    }
  }

  @Override
  public Future<Page> page(String channel, Position before, int limit, int maxBytes) {
    if (before != null && !before.epoch().equals(epoch)) {
      return Future.failedFuture(new ProtocolException(ErrorCode.NOT_FOUND,
          "that position is from history this server no longer has"));
    }
    ChannelLog log = logs.get(channel);
    if (log == null) {
      return Future.succeededFuture(new Page(List.of(), false));
    }
    synchronized (log) {
      trim(log, clock.millis());
      return Future.succeededFuture(Page.fromNewest(log.messages.descendingIterator(), before, limit, maxBytes));
    }
  }

  @Override
  public Future<Replay> since(String channel, Position after, int maxBytes) {
    if (!after.epoch().equals(epoch) || after.minor() != 0 || after.major() > counter.get()) {
      return Future.succeededFuture(Replay.NOT_RECOVERED);
    }
    ChannelLog log = logs.get(channel);
    if (log == null) {
      return Future.succeededFuture(after.major() >= droppedUpTo ? new Replay(true, List.of()) : Replay.NOT_RECOVERED);
    }
    synchronized (log) {
      trim(log, clock.millis());
      if (log.dropped || log.trimmedUpTo > after.major()) {
        return Future.succeededFuture(Replay.NOT_RECOVERED);
      }
      int newer = 0;
      for (Iterator<StoredMessage> it = log.messages.descendingIterator(); it.hasNext(); newer++) {
        if (it.next().position().major() <= after.major()) {
          break;
        }
      }
      List<StoredMessage> page = new ArrayList<>();
      int bytes = 0;
      Iterator<StoredMessage> it = log.messages.iterator();
      for (int skip = log.messages.size() - newer; skip > 0; skip--) {
        it.next();
      }
      while (it.hasNext()) {
        StoredMessage m = it.next();
        if (maxBytes == 0 || (bytes + m.frame().length > maxBytes && !page.isEmpty())) {
          return Future.succeededFuture(new Replay(true, page, true));
        }
        page.add(m);
        bytes += m.frame().length;
      }
      return Future.succeededFuture(new Replay(true, page));
    }
  }

  @Override
  public Future<StoredMessage> find(String channel, String id) {
    ChannelLog log = logs.get(channel);
    if (log == null) {
      return Future.succeededFuture();
    }
    synchronized (log) {
      return Future.succeededFuture(original(log, id));
    }
  }

  @Override
  public Future<Position> head(String channel) {
    ChannelLog log = logs.get(channel);
    if (log == null) {
      return Future.succeededFuture(new Position(epoch, counter.get(), 0));
    }
    synchronized (log) {
      StoredMessage last = log.messages.peekLast();
      return Future.succeededFuture(last != null ? last.position() : new Position(epoch, counter.get(), 0));
    }
  }

  /**
   * (1.1) Where a read marker at {@code position} of {@code channel} stands: the message there, and the messages from
   * others counted up to it (in a group, {@code other} null: all but the reader's; in the reader's own channel,
   * those from {@code other}); null when no such message is kept (or, for a conversation, it is not of it).
   */
  Tally tally(String channel, Position position, String reader, String other) {
    ChannelLog log = logs.get(channel);
    if (log == null || !position.epoch().equals(epoch) || position.minor() != 0) {
      return null;
    }
    synchronized (log) {
      trim(log, clock.millis());
      StoredMessage at = null;
      long after = 0;
      for (Iterator<StoredMessage> it = log.messages.descendingIterator(); it.hasNext(); ) {
        StoredMessage m = it.next();
        if (m.position().major() == position.major()) {
          at = m;
          break;
        }
        if (m.position().major() < position.major()) {
          break;
        }
        if (m.original() && (other == null ? !m.from().equals(reader) : m.from().equals(other))) {
          after++;
        }
      }
      if (at == null || (other != null && !at.from().equals(other)
          && !(at.from().equals(reader) && at.to().equals("user/" + other)))) {
        return null;
      }
      return new Tally(at.id(), log.born, log.counted(reader, other) - after);
    }
  }

  /** A read marker's place in a channel's counters: the id of the message read, the log counted in, the count there. */
  record Tally(String id, long born, long counted) {
  }

  /**
   * The messages from others after a marker counted at {@code tally} (see {@link #tally}), at most {@code cap}; every
   * kept one from others when its log is gone.
   */
  int unread(String channel, Tally tally, String reader, String other, int cap) {
    ChannelLog log = logs.get(channel);
    if (log == null) {
      return 0;
    }
    synchronized (log) {
      long now = log.counted(reader, other);
      long n = log.born == tally.born() ? now - tally.counted() : Math.min(now, log.messages.size());
      return (int) Math.max(0, Math.min(cap, n));
    }
  }

  /** Whether {@code channel} has a log (a user's conversations' markers go with it). */
  boolean holds(String channel) {
    return logs.containsKey(channel);
  }

  /** Applies the age limit to every channel and drops channels that stayed empty for a whole window. */
  public void sweep() {
    long now = clock.millis();
    for (Map.Entry<String, ChannelLog> entry : logs.entrySet()) {
      ChannelLog log = entry.getValue();
      synchronized (log) {
        trim(log, now);
        if (log.messages.isEmpty() && now - log.lastAppendAt >= maxAgeMillis) {
          log.dropped = true;
          droppedUpTo = Math.max(droppedUpTo, log.trimmedUpTo);
          logs.remove(entry.getKey(), log);
        }
      }
    }
  }

  private void trim(ChannelLog log, long now) {
    while (!log.messages.isEmpty()
        && (log.messages.size() > maxMessages || now - log.messages.peekFirst().ts() >= maxAgeMillis)) {
      StoredMessage gone = log.messages.pollFirst();
      storedBytes.addAndGet(-heapBytes(gone));
      log.trimmedUpTo = gone.position().major();
    }
  }

  /** What a stored message takes in the heap, about: its frame and the objects around it. */
  private static long heapBytes(StoredMessage m) {
    return m.frame().length + 160L;
  }

  /** Estimated heap bytes the stored messages take (for the budget and the gauge). */
  public long storedBytes() {
    return storedBytes.get();
  }
}
