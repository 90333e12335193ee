package chat.gateway.service;

import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;

/**
 * A failure of the cluster's stores or broker (a timeout, a connection down, an overloaded Redis) as a client
 * sees it: {@code unavailable}, temporary. Protocol errors pass through.
 */
public final class Unavailable {
  private Unavailable() {
  }

  public static <T> Future<T> of(Throwable failure) {
    if (failure instanceof ProtocolException) {
      return Future.failedFuture(failure);
    }
    return Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE,
        "temporarily unable to store or read; try again"));
  }
}
