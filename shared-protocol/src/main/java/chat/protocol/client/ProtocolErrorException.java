package chat.protocol.client;

import chat.protocol.ServerFrame;

/** A request the gateway answered with an {@code error} frame. */
public final class ProtocolErrorException extends RuntimeException {
  private final ServerFrame.Error error;

  public ProtocolErrorException(ServerFrame.Error error) {
    super(error.code().wire() + ": " + error.message(), null, false, false);
    this.error = error;
  }

  public ServerFrame.Error error() {
    return error;
  }
}
