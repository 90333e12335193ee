package chat.gateway.transport;

import chat.gateway.access.Permissions;
import chat.gateway.auth.Identity;
import chat.gateway.history.Appended;
import chat.gateway.history.DedupeKey;
import chat.gateway.history.Version;
import chat.gateway.message.Position;
import chat.protocol.Channel;
import chat.protocol.ClientFrame;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import chat.protocol.ServerFrame;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;

/**
 * An open session's requests: {@code send}, {@code join}, {@code leave}, {@code presence} and {@code refresh},
 * each checked by {@link Permissions}, carried out by the chat service and answered with the request's {@code ref}
 * or {@code seq}; {@code history} goes to the session's {@link HistoryQueue}, a send through the publish hook to
 * its {@link ScreenedSends}. Holds nothing of its own: the
 * state is the connection's, so a session pays no memory for it.
 */
final class Requests {
  private Requests() {
  }

  /** Carries out {@code frame} for {@code c}, an open session; a refusal is thrown as its protocol error. */
  static void handle(ClientConnection c, ClientFrame frame) {
    if (frame instanceof ClientFrame.Send s) {
      send(c, s);
    } else if (frame instanceof ClientFrame.Join j) {
      join(c, j);
    } else if (frame instanceof ClientFrame.Leave l) {
      leave(c, l);
    } else if (frame instanceof ClientFrame.History h) {
      c.history().ask(h);
    } else if (frame instanceof ClientFrame.Presence p) {
      presence(c, p);
    } else if (frame instanceof ClientFrame.Typing typing) {
      typing(c, typing);
    } else if (frame instanceof ClientFrame.Read read) {
      read(c, read);
    } else if (frame instanceof ClientFrame.Ping) {
      c.out().send(new ServerFrame.Pong());
    } else if (frame instanceof ClientFrame.Refresh r) {
      refresh(c, r);
    } else {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "already connected");
    }
  }

  /**
   * (1.1) Typing in a group the user may send to, or to another user: forwarded at most once per 2 s per channel,
   * never answered (a refusal is, as any request's).
   */
  private static void typing(ClientConnection c, ClientFrame.Typing typing) {
    Channel to = typing.channel();
    Identity identity = c.identity();
    c.context().permissions().conversation(identity, to, c.groups());
    c.context().permissions().send(identity, to, c.groups());
    boolean forward = c.typingPace().forward(to.name(), c.context().clock().millis());
    c.context().metrics().typing(forward);
    if (forward) {
      c.context().chat().typing().typing(identity.user(), to);
    }
  }

  /**
   * (1.1) A read marker, in a group the user is in or a conversation with another user: answered with the marker as
   * stored; the others are told by the service.
   */
  private static void read(ClientConnection c, ClientFrame.Read r) {
    c.context().permissions().conversation(c.identity(), r.channel(), c.groups());
    Position position = Position.parse(r.position());
    c.whenDone(c.context().chat().reads().read(c.user(), c.sessionId(), r.channel(), position), ar -> {
      if (ar.failed()) {
        c.out().fail(ar.cause(), r.ref(), null);
        return;
      }
      c.out().send(new ServerFrame.Read(r.ref(), r.channel().name(), null, ar.result().position().wire(),
          ar.result().id()));
    });
  }

  private static void send(ClientConnection c, ClientFrame.Send s) {
    TransportContext t = c.context();
    Identity identity = c.identity();
    Permissions.Send send = t.permissions().send(identity, s.channel(), c.groups());
    DedupeKey key = DedupeKey.send(identity.user(), c.device(), s.seq());
    if (t.chat().messages().screened(s.channel())) {
      c.screenedSends().send(s, key, send);
      return;
    }
    c.whenDone(t.chat().messages().publish(identity.user(), s.channel(), s.body(), key, send, version(s)),
        ar -> answer(c, s.seq(), ar));
  }

  /** (1.1) What a send does to an earlier message of the sender's: nothing, a new version, or its deletion. */
  static Version version(ClientFrame.Send s) {
    return s.replaces() != null ? Version.replacing(s.replaces())
        : s.deletes() != null ? Version.deleting(s.deletes(), false) : Version.NONE;
  }

  /** A send's answer: its ack once stored, or its error. */
  static void answer(ClientConnection c, long seq, AsyncResult<Appended> stored) {
    if (stored.succeeded()) {
      ack(c, seq, stored.result());
    } else {
      c.out().fail(stored.cause(), null, seq);
    }
  }

  static void ack(ClientConnection c, long seq, Appended appended) {
    c.out().send(new ServerFrame.Ack(seq, appended.channel(), appended.id(), appended.position().wire()));
  }

  private static void join(ClientConnection c, ClientFrame.Join j) {
    TransportContext t = c.context();
    String user = c.user();
    Future<String> granted = t.permissions().join(c.identity(), c.sessionId(), j.channel(), j.token());
    c.whenDone(granted.compose(group -> t.chat().memberships().join(user, c.sessionId(), group)), ar -> {
      if (ar.failed()) {
        c.out().fail(ar.cause(), j.ref(), null);
        return;
      }
      c.subscriptions().subscribeAndAnnounce(j.ref(), granted.result(), ar.result());
    });
  }

  private static void leave(ClientConnection c, ClientFrame.Leave l) {
    TransportContext t = c.context();
    String group = t.permissions().leave(c.identity(), l.channel());
    c.whenDone(t.chat().memberships().leave(c.user(), group), ar -> {
      if (ar.failed()) {
        c.out().fail(ar.cause(), l.ref(), null);
        return;
      }
      c.subscriptions().unsubscribe(group);
      c.out().send(new ServerFrame.Left(l.ref(), l.channel().name()));
    });
  }

  /**
   * A new token for the session: verified as a connect's, for the same user; its grants, role and deadline
   * replace the old ones. A refresh that does not take ({@code unauthorized}) leaves the session as it was.
   */
  private static void refresh(ClientConnection c, ClientFrame.Refresh r) {
    c.whenDone(c.context().authenticator().refresh(r, c.clientRequest(), c.device()), ar -> {
      if (ar.failed()) {
        c.out().fail(ar.cause(), r.ref(), null);
      } else if (!ar.result().user().equals(c.user())) {
        c.out().error(new ProtocolException(ErrorCode.UNAUTHORIZED, "the refresh signs in another user", r.ref(), null));
      } else {
        c.out().send(new ServerFrame.Refreshed(r.ref(), c.refreshed(ar.result())));
      }
    });
  }

  private static void presence(ClientConnection c, ClientFrame.Presence p) {
    TransportContext t = c.context();
    t.permissions().presence(c.identity(), p.channel(), c.groups());
    c.whenDone(t.chat().presence().of(p.channel()), ar -> {
      if (ar.failed()) {
        c.out().fail(ar.cause(), p.ref(), null);
        return;
      }
      c.out().send(new ServerFrame.Presence(p.ref(), p.channel().name(), ar.result().online(), ar.result().members(),
          ar.result().large()));
    });
  }
}
