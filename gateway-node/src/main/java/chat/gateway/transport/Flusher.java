package chat.gateway.transport;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * Flushes the sockets of one event loop once per turn of the loop: a socket written to (messages of several
 * events, an ack and a message) goes out in one system call at the end of the turn, instead of one per
 * write. Confined to its loop.
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
