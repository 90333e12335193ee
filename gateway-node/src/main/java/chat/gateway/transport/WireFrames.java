package chat.gateway.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A server's text frame (RFC 6455: FIN, text, unmasked, the length, the payload) encoded once, for every
 * recipient on one event loop: each gets a duplicate of the same direct buffer, written past the WebSocket
 * encoder as raw bytes, so a fan-out to a hundred sockets encodes once and copies nothing. (With
 * permessage-deflate negotiated such a frame goes uncompressed, which RFC 7692 allows.)
 */
final class WireFrames {
  private WireFrames() {
  }

  /**
   * An empty ping frame, for every connection one batch of heartbeats pings (each gets a duplicate, as a
   * fan-out's recipients do). Written as bytes rather than as a {@code PingWebSocketFrame}: the outbound
   * path of every socket then only ever carries byte buffers and the frames it always carried, and the JIT's
   * compiled fan-out path is not thrown away (deoptimised) the first time a heartbeat comes round, which
   * measured as a lasting rise of p99 (see docs/BENCHMARKS.md, section 11).
   */
  static ByteBuf ping(ByteBufAllocator alloc) {
    return alloc.directBuffer(2, 2).writeByte(0x89).writeByte(0);
  }

  /** The frame of {@code utf8Json}; the caller releases it once every recipient has its duplicate. */
  static ByteBuf text(ByteBufAllocator alloc, byte[] utf8Json) {
    int length = utf8Json.length;
    int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
    ByteBuf frame = alloc.directBuffer(header + length, header + length);
    frame.writeByte(0x81);
    if (length < 126) {
      frame.writeByte(length);
    } else if (length <= 0xFFFF) {
      frame.writeByte(126).writeShort(length);
    } else {
      frame.writeByte(127).writeLong(length);
    }
    return frame.writeBytes(utf8Json);
  }
}
