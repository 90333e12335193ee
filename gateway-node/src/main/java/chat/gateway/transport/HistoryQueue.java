package chat.gateway.transport;

import chat.gateway.history.Page;
import chat.gateway.message.Position;
import chat.protocol.ClientFrame;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import java.util.ArrayDeque;

/**
 * A session's {@code history} requests, answered one at a time: the next is read only once the socket has
 * taken the last answer ({@link Outbound#onceWritten}). A client that asks for many pages at once gets them
 * as fast as it reads them, instead of a closed connection, and costs Redis and the heap one page at a time;
 * at most 16 wait.
 */
final class HistoryQueue {
  private static final int MAX_QUEUED = 16;

  private final ClientConnection connection;
  private final Outbound out;
  private final TransportContext t;
  /** Requests not answered yet, oldest (being read) first; null when none. */
  private ArrayDeque<ClientFrame.History> queue;

  HistoryQueue(ClientConnection connection, Outbound out, TransportContext t) {
    this.connection = connection;
    this.out = out;
    this.t = t;
  }

  void ask(ClientFrame.History h) {
    t.permissions().history(connection.identity(), h.channel(), connection.groups());
    if (h.before() != null) {
      Position.parse(h.before()); // bad_request now, not when its turn comes
    }
    if (queue == null) {
      queue = new ArrayDeque<>();
    } else if (queue.size() >= MAX_QUEUED) {
      throw new ProtocolException(ErrorCode.RATE_LIMITED,
          "at most " + MAX_QUEUED + " history requests wait at once; wait for their answers");
    }
    queue.add(h);
    if (queue.size() == 1) {
      next();
    }
  }

  private void next() {
    ClientFrame.History h = queue.peek();
    try {
      // again: the user may have left the group while it waited
      t.permissions().history(connection.identity(), h.channel(), connection.groups());
    } catch (ProtocolException e) {
      out.error(e.answering(h.ref(), null));
      done();
      return;
    }
    Position before = h.before() == null ? null : Position.parse(h.before());
    // the page and the user's read marker (1.1) asked at once
    Future<Position> read = t.chat().reads().marker(connection.user(), h.channel());
    Future<Page> page = t.chat().messages().history(h.channel(), before, h.limit(), t.historyPageBytes());
    connection.whenDone(Future.all(page, read), ar -> {
      if (ar.failed()) {
        out.fail(ar.cause(), h.ref(), null);
        done();
      } else if (!out.text(HistoryFrames.encode(h.ref(), h.channel().name(), page.result(), read.result()), "history",
          out.onceWritten(this::done))) {
        done();
      }
    });
  }

  private void done() {
    queue.poll();
    if (queue.isEmpty()) {
      queue = null;
    } else {
      next();
    }
  }
}
