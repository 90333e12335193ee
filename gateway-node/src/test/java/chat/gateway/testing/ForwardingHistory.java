package chat.gateway.testing;

import chat.gateway.history.Appended;
import chat.gateway.history.DedupeKey;
import chat.gateway.history.Draft;
import chat.gateway.history.HistoryStore;
import chat.gateway.history.Page;
import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import io.vertx.core.Future;

/** A {@link HistoryStore} that hands everything to the real one: tests override what they make fail. */
public class ForwardingHistory implements HistoryStore {
  protected final HistoryStore real;

  public ForwardingHistory(HistoryStore real) {
    this.real = real;
  }

  @Override
  public Future<Appended> append(Draft draft) {
    return real.append(draft);
  }

  @Override
  public Future<Appended> stored(DedupeKey key, String channel) {
    return real.stored(key, channel);
  }

  @Override
  public Future<Page> page(String channel, Position before, int limit, int maxBytes) {
    return real.page(channel, before, limit, maxBytes);
  }

  @Override
  public Future<Replay> since(String channel, Position after, int maxBytes) {
    return real.since(channel, after, maxBytes);
  }

  @Override
  public Future<chat.gateway.message.StoredMessage> find(String channel, String id) {
    return real.find(channel, id);
  }

  @Override
  public Future<Position> head(String channel) {
    return real.head(channel);
  }

  @Override
  public boolean mayHaveExpired(Position newest) {
    return real.mayHaveExpired(newest);
  }
}
