package chat.gateway.cluster;

import chat.gateway.history.HistoryStore;
import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import chat.gateway.message.StoredMessage;
import chat.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills what a node missed while its cluster link was down, from history, so that its sessions stay open
 * through a Redis outage and still get every message once and in order.
 *
 * <p>When a channel gets its first listener on the node, {@link #track} notes where its history stands (a user's
 * channel: its session's registration reads it, in the same script, and hands it to {@link LocalFanout#startAt}),
 * and from then on the node's {@link LocalFanout} remembers the last message it handed out. When the link
 * drops, the fanout holds its channels ({@link LocalFanout#hold}); once the node is subscribed again,
 * {@link #repair} reads each held channel's history after that position and hands out what was missed,
 * then what was held meanwhile, less repeats. A channel whose history went away or back meanwhile (a new
 * epoch, or a newest id older than one already delivered, as after a failover to a replica that missed
 * writes) cannot be repaired: its sessions get a {@code recovery} notice instead, and stay open.
 */
public final class GapRepair {
  private static final System.Logger LOG = System.getLogger(GapRepair.class.getName());
  /** Channels read at once: a node with 10,000 channels repairs in batches, not in one burst. */
  private static final int BATCH = 256;
  /** Bytes of history one read returns at most (about). */
  private static final int PAGE_BYTES = 256 * 1024;

  private final LocalFanout fanout;
  private final HistoryStore history;
  private final GatewayMetrics metrics;

  public GapRepair(LocalFanout fanout, HistoryStore history, GatewayMetrics metrics) {
    this.fanout = fanout;
    this.history = history;
    this.metrics = metrics;
  }

  /** Notes where {@code channel}'s history stands now that the node receives it (the start of its gap). */
  public void track(String channel) {
    history.head(channel).onSuccess(head -> fanout.startAt(channel, head))
        .onFailure(e -> LOG.log(Level.DEBUG, "no start position for " + channel + ": " + e.getMessage()));
  }

  /**
   * Repairs every held channel. Completes when all are live again; fails (leaving the rest held, to be
   * repaired by the next call) when history could not be read.
   */
  public Future<Void> repair() {
    return repair(fanout.holding());
  }

  /**
   * Repairs {@code channels} (those of them still held): a topic that moved to another shard fills the gap of
   * its channel alone. Completes when they are live again.
   */
  public Future<Void> repair(List<String> channels) {
    List<String> lost = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < channels.size(); from += BATCH) {
      List<String> batch = channels.subList(from, Math.min(channels.size(), from + BATCH));
      chain = chain.compose(v -> repairAll(batch, lost));
    }
    return chain.onComplete(ar -> {
      int unrecovered;
      synchronized (lost) {
        unrecovered = lost.size();
      }
      metrics.gapRepaired("lost", unrecovered);
      if (unrecovered > 0) {
        LOG.log(Level.WARNING, unrecovered + " channels could not be recovered after the link to Redis came back"
            + " (their history was lost or went back; their sessions were told), e.g. " + lost.get(0));
      }
    });
  }

  private Future<Void> repairAll(List<String> channels, List<String> lost) {
    List<Future<Void>> repaired = new ArrayList<>(channels.size());
    for (String channel : channels) {
      repaired.add(repairOne(channel, lost));
    }
    return Future.all(repaired).mapEmpty();
  }

  /** The whole replay after {@code after}, read in pages of {@link #PAGE_BYTES} (each a short Redis reply). */
  private Future<Replay> readAll(String channel, Position after, List<StoredMessage> read) {
    return history.since(channel, after, PAGE_BYTES).compose(page -> {
      if (!page.recovered()) {
        return Future.succeededFuture(Replay.NOT_RECOVERED);
      }
      read.addAll(page.messages());
      return page.more() ? readAll(channel, page.next(after), read) : Future.succeededFuture(new Replay(true, read));
    });
  }

  private Future<Void> repairOne(String channel, List<String> lost) {
    Position after = fanout.delivered(channel);
    Future<Replay> replay = after == null
        // Never knew where it stood (its start could not be read): what it missed cannot be told.
        ? Future.succeededFuture(Replay.NOT_RECOVERED)
        : readAll(channel, after, new ArrayList<>());
    return replay.map(r -> {
      if (r.recovered()) {
        metrics.gapRepaired("recovered", 1);
      } else {
        synchronized (lost) {
          lost.add(channel);
        }
      }
      fanout.repaired(channel, r, new Event.Unrecovered(channel));
      return null;
    });
  }
}
