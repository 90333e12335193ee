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
