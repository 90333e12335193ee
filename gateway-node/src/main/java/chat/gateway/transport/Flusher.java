package chat.gateway.transport;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * Flushes the sockets of one event loop once per turn of the loop: a socket written to (an ack and a
 * message, the pages of a replay) goes out in one system call at the end of the turn, instead of one per
 * write. A fan-out does not wait for the end of the turn: it flushes as soon as every recipient has its frame
 * ({@link #flushNow}), since the tasks and reads queued behind it in the same turn would otherwise hold its
 * frames back (measured: p99 17-27 ms against 37-59 ms at 30,000 deliveries/s, with the same CPU; see
 * docs/BENCHMARKS.md, section 11). Confined to its loop.
 */
final class Flusher {
  private final EventLoop loop;
  private final Runnable flushAll = this::flushAll;
  private List<WebSocketChannel> dirty = new ArrayList<>();
  private List<WebSocketChannel> spare = new ArrayList<>();

  Flusher(EventLoop loop) {
    this.loop = loop;
  }

  void add(WebSocketChannel socket) {
    if (dirty.isEmpty()) {
      loop.execute(flushAll);
    }
    dirty.add(socket);
  }

  /** Flushes every socket written to since the last flush, now. */
  void flushNow() {
    if (!dirty.isEmpty()) {
      flushAll();
    }
  }

  private void flushAll() {
    List<WebSocketChannel> now = dirty;
    dirty = spare;
    for (WebSocketChannel socket : now) {
      socket.flush();
    }
    now.clear();
    spare = now;
  }
}
