package chat.gateway.redis;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.impl.PooledRedisConnection;
import io.vertx.redis.client.impl.RedisStandaloneConnection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What vertx-redis-client's connections need beyond its API: closed for good, written to without a per-command
 * report, and writes flushed together.
 */
final class RedisSockets {
  private static final String CONSOLIDATOR = "chat-flush-consolidation";
  /** The most commands written in one flush before the consolidator flushes anyway. */
  private static final int MAX_FLUSHES_HELD = 256;
  private static final VarHandle SOCKET = socketField();

  private RedisSockets() {
  }

  /**
   * Closes the socket under {@code c}: a pooled connection's {@code close} only hands it back to the pool (unless it
   * subscribed), where the next {@code connect} would borrow the same dead (silent) connection again.
   */
  static void closeForGood(RedisConnection c) {
    if (c instanceof PooledRedisConnection pooled) {
      pooled.actual().forceClose();
    } else {
      c.close();
    }
  }

  /**
   * {@code c} without the pooled client's per-command report (a tracing and metrics record built for each
   * command, its addresses turned into strings each time): the pipeline times its commands itself
   * ({@code chat_redis_command}). Close and hand back the connection itself, never what this returns.
   */
  static RedisConnection unreported(RedisConnection c) {
    return c instanceof PooledRedisConnection pooled ? pooled.actual() : c;
  }

  /**
   * Makes the commands written to {@code c} in one turn of its event loop go out in one write: the client writes
   * and flushes each command on its own (one system call each, which on a busy node is most of what a command
   * costs it), so a flush is held until the loop has run the tasks already queued, then done once
   * (Netty's {@link FlushConsolidationHandler}, which also flushes at once when a read is in progress ends, and
   * after {@value #MAX_FLUSHES_HELD} held). Commands are not delayed past the loop turn they were written in.
   * Whether it could: a connection it cannot reach into (the client changed) is left as it is, and its commands
   * are flushed one by one.
   */
  static boolean consolidateFlushes(RedisConnection c) {
    if (SOCKET == null || !(unreported(c) instanceof RedisStandaloneConnection standalone)
        || !(SOCKET.get(standalone) instanceof NetSocketInternal socket)) {
      return false;
    }
    ChannelPipeline pipeline = socket.channelHandlerContext().pipeline();
    synchronized (pipeline) { // a pooled connection is handed out again: add the handler once
      if (pipeline.get(CONSOLIDATOR) == null) {
        pipeline.addFirst(CONSOLIDATOR, new FlushConsolidationHandler(MAX_FLUSHES_HELD, true));
      }
    }
    return true;
  }

  private static VarHandle socketField() {
    try {
      return MethodHandles.privateLookupIn(RedisStandaloneConnection.class, MethodHandles.lookup())
          .findVarHandle(RedisStandaloneConnection.class, "netSocket", io.vertx.core.net.NetSocket.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
