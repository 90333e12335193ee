package chat.gateway.transport;

import chat.gateway.access.Permissions;
import chat.gateway.history.Appended;
import chat.gateway.history.DedupeKey;
import chat.gateway.history.Version;
import chat.gateway.service.Messages;
import chat.protocol.ClientFrame;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.Map;

/**
 * A session's sends through the application's publish hook. The hook is asked about each at once (a session's
 * sends to one channel are asked about side by side), but each is stored only once the session's send before it
 * to that channel is stored, refused or failed: positions follow the session's send order (guarantee 3) whatever
 * the order the hook's answers come in. Made at a session's first such send; confined to its event loop.
 */
final class ScreenedSends {
  private final ClientConnection c;
  /** Per channel, the turn of the session's newest send to it: done once that send is stored or ends. */
  private final Map<String, Future<Void>> turns = new HashMap<>(4);

  ScreenedSends(ClientConnection c) {
    this.c = c;
  }

  void send(ClientFrame.Send s, DedupeKey key, Permissions.Send send) {
    Messages messages = c.context().chat().messages();
    String channel = s.channel().name();
    Version version = Requests.version(s);
    Future<Messages.Screened> screened = messages.screen(c.user(), s.channel(), c.device(), s.seq(), s.body(), key,
        version);
    Future<Void> before = turns.get(channel);
    Promise<Void> turn = Promise.promise();
    turns.put(channel, turn.future());
    Future<?> ready = before == null ? screened : Future.join(before, screened);
    c.whenDone(ready, done -> {
      try {
        if (screened.failed()) {
          c.out().fail(screened.cause(), null, s.seq());
        } else if (screened.result().stored() != null) {
          Requests.ack(c, s.seq(), screened.result().stored());
        } else if (!c.isClosed()) { // no ack, no promise: the client sends it again
          Future<Appended> stored = messages.publish(c.user(), s.channel(), screened.result().body(), key, send, version);
          c.whenDone(stored, ar -> Requests.answer(c, s.seq(), ar));
        }
      } catch (RuntimeException e) { // refused before it was stored: too large, past the user's quota
        c.out().fail(e, null, s.seq());
      } finally {
        turn.complete(); // the store has the send, or it ended: the next send to the channel may go
        turns.remove(channel, turn.future());
      }
    });
  }
}
