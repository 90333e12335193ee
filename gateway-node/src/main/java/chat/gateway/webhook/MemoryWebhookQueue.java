package chat.gateway.webhook;

import chat.gateway.config.WebhookConfig;
import chat.gateway.config.WebhookConfig.Type;
import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An embedded node's webhook events: in this process's memory, in the order recorded, at most
 * {@code WEBHOOK_MAX_BACKLOG} (past it the oldest are dropped and counted), lost with the process. One shard: the
 * {@link WebhookDispatcher} takes the oldest events and removes them once delivered.
 */
public final class MemoryWebhookQueue implements EventSink, WebhookShard {
  private record Entry(long seq, WebhookEvent event) {
  }

  private final Set<Type> types;
  private final long maxBacklog;
  private final ArrayDeque<Entry> waiting = new ArrayDeque<>();
  private final AtomicLong dropped = new AtomicLong();
  private final String idPrefix;
  private long nextSeq;
  private Runnable onRecord = () -> { };

  public MemoryWebhookQueue(WebhookConfig config, String nodeId) {
    this.types = config.events();
    this.maxBacklog = config.maxBacklog();
    // ids unique across the node's restarts too (a backend keeps the ids it saw): its start time in them
    this.idPrefix = nodeId + "-" + Long.toString(System.currentTimeMillis(), 36) + "-";
  }

  @Override
  public boolean wants(Type type) {
    return types.contains(type);
  }

  @Override
  public void record(WebhookEvent event) {
    if (!types.contains(event.type())) {
      return;
    }
    Runnable signal;
    synchronized (this) {
      waiting.addLast(new Entry(++nextSeq, event));
      if (waiting.size() > maxBacklog) {
        waiting.pollFirst();
        dropped.incrementAndGet();
      }
      signal = onRecord;
    }
    signal.run();
  }

  @Override
  public synchronized void onRecord(Runnable signal) {
    this.onRecord = signal;
  }

  @Override
  public synchronized Future<List<Waiting>> take(int max) {
    List<Waiting> batch = new ArrayList<>(Math.min(max, waiting.size()));
    for (Entry e : waiting) {
      if (batch.size() == max) {
        break;
      }
      String id = idPrefix + e.seq();
      batch.add(new Waiting(0, id, e.event().ts(), e.event().toJson(id).toBuffer()));
    }
    return Future.succeededFuture(batch);
  }

  @Override
  public synchronized void delivered(List<Waiting> events) {
    String last = events.get(events.size() - 1).id();
    long upTo = Long.parseLong(last.substring(idPrefix.length()));
    while (!waiting.isEmpty() && waiting.peekFirst().seq() <= upTo) {
      waiting.pollFirst();
    }
  }

  @Override
  public long pollMillis() {
    return 0;
  }

  @Override
  public synchronized long waiting() {
    return waiting.size();
  }

  @Override
  public long droppedForBacklog() {
    return dropped.get();
  }
}
