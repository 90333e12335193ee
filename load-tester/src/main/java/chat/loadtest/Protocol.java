package chat.loadtest;

/**
 * What the clients speak ({@code --protocol}): this gateway's protocol, or a chat-room server's, where a client is
 * in its room ({@code ?room=NAME}) once connected and every message it sends reaches the whole room, itself
 * included, with no ack and no position.
 */
enum Protocol {
  /** This gateway's protocol (shared-protocol): connect, join, send with acks, positions. */
  V1("v1"),
  /** A plain chat room (go-hub): text frames in, the same text frames out to the room. */
  PLAIN("plain"),
  /**
   * A Socket.IO 4 server over a WebSocket (Engine.IO 4, ../shared/peers/socketio): the server opens with
   * {@code 0{...}}, the client connects to the main namespace with {@code 40} and is in once {@code 40{...}}
   * comes; messages are {@code 42["msg",BODY]} both ways; the server pings with {@code 2}, the client answers
   * {@code 3}.
   */
  SOCKETIO("socketio");

  final String wire;

  Protocol(String wire) {
    this.wire = wire;
  }

  /** A chat room's protocol: no acks and no positions, the sender receives its own messages. */
  boolean rooms() {
    return this != V1;
  }

  static Protocol of(String name) {
    for (Protocol p : values()) {
      if (p.wire.equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("--protocol takes v1, plain or socketio, got " + name);
  }
}
