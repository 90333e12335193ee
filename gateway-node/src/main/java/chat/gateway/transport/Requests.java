package chat.gateway.transport;

import chat.gateway.access.Permissions;
import chat.gateway.auth.Identity;
import chat.gateway.history.DedupeKey;
import chat.protocol.ClientFrame;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import chat.protocol.ServerFrame;

/**
 * An open session's requests: {@code send}, {@code join}, {@code leave} and {@code presence}, each checked
 * by {@link Permissions}, carried out by the chat service and answered with the request's {@code ref} or
 * {@code seq}; {@code history} goes to the session's {@link HistoryQueue}.
 */
final class Requests {
  private final ClientConnection connection;
  private final Subscriptions subscriptions;
  private final HistoryQueue history;
  private final Outbound out;
  private final TransportContext t;

  Requests(ClientConnection connection, Subscriptions subscriptions, Outbound out, TransportContext t) {
    this.connection = connection;
    this.subscriptions = subscriptions;
    this.history = new HistoryQueue(connection, out, t);
    this.out = out;
    this.t = t;
  }

  void handle(ClientFrame frame) {
    if (frame instanceof ClientFrame.Send s) {
      send(s);
    } else if (frame instanceof ClientFrame.Join j) {
      join(j);
    } else if (frame instanceof ClientFrame.Leave l) {
      leave(l);
    } else if (frame instanceof ClientFrame.History h) {
      history.ask(h);
    } else if (frame instanceof ClientFrame.Presence p) {
      presence(p);
    } else if (frame instanceof ClientFrame.Ping) {
      out.send(new ServerFrame.Pong());
    } else {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "already connected");
    }
  }

  private void send(ClientFrame.Send s) {
    Identity identity = connection.identity();
    Permissions.Send send = t.permissions().send(identity, s.channel(), subscriptions.groups());
    DedupeKey key = DedupeKey.send(identity.user(), connection.device(), s.seq());
    connection.whenDone(t.chat().messages().publish(identity.user(), s.channel(), s.body(), key, send), ar -> {
      if (ar.succeeded()) {
        out.send(new ServerFrame.Ack(s.seq(), ar.result().channel(), ar.result().id(), ar.result().position().wire()));
      } else {
        out.fail(ar.cause(), null, s.seq());
      }
    });
  }

  private void join(ClientFrame.Join j) {
    String group = t.permissions().join(connection.identity(), j.channel());
    connection.whenDone(t.chat().memberships().join(connection.user(), group), ar -> {
      if (ar.failed()) {
        out.fail(ar.cause(), j.ref(), null);
        return;
      }
      subscriptions.subscribeAndAnnounce(j.ref(), group, ar.result());
    });
  }

  private void leave(ClientFrame.Leave l) {
    String group = t.permissions().leave(connection.identity(), l.channel());
    connection.whenDone(t.chat().memberships().leave(connection.user(), group), ar -> {
      if (ar.failed()) {
        out.fail(ar.cause(), l.ref(), null);
        return;
      }
      subscriptions.unsubscribe(group);
      out.send(new ServerFrame.Left(l.ref(), l.channel().name()));
    });
  }

  private void presence(ClientFrame.Presence p) {
    t.permissions().presence(connection.identity(), p.channel(), subscriptions.groups());
    connection.whenDone(t.chat().presence().of(p.channel()), ar -> {
      if (ar.failed()) {
        out.fail(ar.cause(), p.ref(), null);
        return;
      }
      out.send(new ServerFrame.Presence(p.ref(), p.channel().name(), ar.result().online(), ar.result().members(),
          ar.result().large()));
    });
  }
}
