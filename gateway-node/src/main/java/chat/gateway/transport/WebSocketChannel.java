package chat.gateway.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One client's WebSocket as Netty carries it, after the upgrade took the channel from Vert.x's HTTP handling
 * ({@link WebSocketUpgrade}): the last handler of the channel's pipeline, behind Netty's frame decoder and
 * encoder. Per connection it holds this object and the channel, nothing else: no inbound or outbound queue
 * of its own (Netty's outbound buffer is the queue, bounded by its water marks), no per-write promise unless
 * asked for.
 *
 * <p>Frames in go to the {@link Owner}, released after it returns. A client may send frames without waiting for
 * the 101 (RFC 6455, 4.1): the HTTP decoder hands whatever followed the request head to the frame decoder as
 * the pipeline is swapped, before the 101 is written and before the connection has an owner. Those frames
 * are held, with reading paused (so what is held is at most what came with the request and one read), and
 * handed to the owner in order when it takes the socket. Writes are not flushed one by one: the
 * loop's {@link Flusher} flushes each written channel once at the end of the turn, so a socket that gets
 * several messages in one turn of the loop costs one system call. The closing handshake is RFC 6455's: a
 * close frame out, the channel closed when the peer's close frame comes back or after
 * {@code closingTimeoutMillis}; a close frame in is answered and the channel closed.
 *
 * <p>Confined to the channel's event loop.
 */
final class WebSocketChannel extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(WebSocketChannel.class.getName());

  /** What the connection hears from its socket. */
  interface Owner {
    /** A data or control frame (its content is released after this returns). */
    void frame(WebSocketFrame frame);

    /** The channel closed (either side, or the network). */
    void closed();
  }

  private final Channel channel;
  private final Flusher flusher;
  private final long closingTimeoutMillis;
  private Owner owner;
  /** Frames that came before the owner (null: none); see the class comment. */
  private ArrayDeque<WebSocketFrame> early;
  private static final short NO_STATUS = 1005;
  private static final short ABNORMAL = 1006;
  /** The close frame's code, sent or received first; 0 while none was. */
  private short closeCode;
  private boolean closeSent;
  private boolean dirty;
  private ScheduledFuture<?> closingTimer;

  WebSocketChannel(Channel channel, Flusher flusher, long closingTimeoutMillis, int outboundQueueBytes) {
    this.channel = channel;
    this.flusher = flusher;
    this.closingTimeoutMillis = closingTimeoutMillis;
    channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(outboundQueueBytes / 2, outboundQueueBytes));
  }

  /** From now on frames go to {@code owner}; those that came before it are handed over first, in order. */
  void owner(Owner owner) {
    this.owner = owner;
    if (early == null) {
      return;
    }
    ArrayDeque<WebSocketFrame> held = early;
    early = null;
    for (WebSocketFrame frame = held.poll(); frame != null; frame = held.poll()) {
      read(frame);
    }
    channel.config().setAutoRead(true);
  }

  // ---- inbound --------------------------------------------------------------------------------------

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      ReferenceCountUtil.release(msg); // the upgrade request's end, passed on by the HTTP decoder it replaced
    } else if (owner == null) {
      hold(frame);
    } else {
      read(frame);
    }
  }

  private void hold(WebSocketFrame frame) {
    if (early == null) {
      early = new ArrayDeque<>(4);
      channel.config().setAutoRead(false);
    }
    early.add(frame);
  }

  /** One frame to the owner (a close frame answered here), released after. */
  private void read(WebSocketFrame frame) {
    try {
      if (frame instanceof CloseWebSocketFrame close) {
        closeReceived(close);
      } else {
        owner.frame(frame);
      }
    } finally {
      frame.release();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (early != null) {
      early.forEach(WebSocketFrame::release);
      early = null;
    }
    if (closingTimer != null) {
      closingTimer.cancel(false);
    }
    if (owner != null) {
      owner.closed();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(Level.DEBUG, "websocket error", cause);
    channel.close();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    ReferenceCountUtil.release(evt); // no idle or HTTP events matter on an upgraded channel
  }

  private void closeReceived(CloseWebSocketFrame close) {
    if (closeSent) {
      channel.close(); // the peer's answer to ours: the handshake is done
      return;
    }
    closeSent = true;
    int code = close.statusCode();
    closeCode = (short) (code < 0 ? NO_STATUS : code);
    channel.writeAndFlush(code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, null))
        .addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * The code the connection was closed with: the server's, or the client's (1005 when its close frame had none);
   * 1006 when the TCP connection ended without a close frame either way.
   */
  int closeCode() {
    return closeCode == 0 ? ABNORMAL : closeCode;
  }

  // ---- outbound -------------------------------------------------------------------------------------

  /** Closed, or closing: nothing more is written. */
  boolean closed() {
    return closeSent || !channel.isActive();
  }

  /** More is waiting to go out than the outbound queue holds (past its high water mark, until below the low). */
  boolean full() {
    return !channel.isWritable();
  }

  /** Writes {@code frame} (a WebSocket frame, or a whole frame's bytes encoded beforehand), flushed at the end of the turn. */
  void write(Object frame) {
    channel.write(frame, channel.voidPromise());
    flushLater();
  }

  /**
   * {@link #write}, with {@code written} (null: nothing) run once the socket took it (not if the channel
   * closes first).
   */
  void write(Object frame, Runnable written) {
    if (written == null) {
      write(frame);
      return;
    }
    ChannelPromise promise = channel.newPromise();
    promise.addListener(f -> {
      if (f.isSuccess()) {
        written.run();
      }
    });
    channel.write(frame, promise);
    flushLater();
  }

  /** Starts the closing handshake: a close frame now, the channel closed when it is answered or times out. */
  void close(int code, String reason) {
    if (closeSent) {
      return;
    }
    closeSent = true;
    closeCode = (short) code;
    if (!channel.isActive()) {
      return;
    }
    channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(f -> {
      if (!f.isSuccess()) {
        channel.close();
      }
    });
    closingTimer = channel.eventLoop().schedule(() -> {
      channel.close();
    }, Math.max(1, closingTimeoutMillis), TimeUnit.MILLISECONDS);
  }

  private void flushLater() {
    if (!dirty) {
      dirty = true;
      flusher.add(this);
    }
  }

  /** Called by the {@link Flusher}: what this turn wrote goes out. */
  void flush() {
    dirty = false;
    channel.flush();
  }
}
