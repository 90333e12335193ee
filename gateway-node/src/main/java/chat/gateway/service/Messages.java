package chat.gateway.service;

import chat.gateway.access.Permissions;
import chat.gateway.history.Appended;
import chat.gateway.history.DedupeKey;
import chat.gateway.history.Draft;
import chat.gateway.history.HistoryStore;
import chat.gateway.history.Page;
import chat.gateway.history.Version;
import chat.gateway.message.StoredMessage;
import chat.gateway.hook.Hooks;
import chat.gateway.message.MessageFrames;
import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import chat.gateway.metrics.GatewayMetrics;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;

/**
 * Messages: storing and publishing a send (once per dedupe key), and reading them back (history pages, a
 * resume's replay, a channel's head). Whether the sender may is {@link Permissions}'s to decide first.
 */
public final class Messages {
  /** Who the application's own messages and deletions are from. */
  public static final String SYSTEM = "system";
  private final HistoryStore history;
  private final Hooks hooks;
  private final GatewayMetrics metrics;
  private final Clock clock;
  private final UserQuotas quotas;
  private final IdGenerator ids = new IdGenerator();
  private final int maxMessageBytes;

  Messages(HistoryStore history, Hooks hooks, GatewayMetrics metrics, Clock clock, UserQuotas quotas, int maxMessageBytes) {
    this.history = history;
    this.hooks = hooks;
    this.metrics = metrics;
    this.clock = clock;
    this.quotas = quotas;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** The channel's newest position (where a join starts). */
  public Future<Position> head(String channel) {
    return history.head(channel).recover(Unavailable::of);
  }

  /**
   * The channel's newest position, from {@code live} (where this node stands in it, or null when it does not know)
   * when that is still the channel's current history, else read.
   */
  public Future<Position> head(String channel, Position live) {
    return live != null && !history.mayHaveExpired(live) ? Future.succeededFuture(live) : head(channel);
  }

  /** A page of the messages after {@code after}, for a resume ({@link HistoryStore#since}). */
  public Future<Replay> since(String channel, Position after, int maxBytes) {
    return history.since(channel, after, maxBytes).recover(Unavailable::of);
  }

  /** A page of history; a {@code before} from lost history fails with {@code not_found}. */
  public Future<Page> history(Channel channel, Position before, int limit, int maxBytes) {
    return history.page(channel.name(), before, limit, maxBytes).recover(Unavailable::of);
  }

  /**
   * What the application's publish hook made of a send: {@code stored} when the send was stored before (acked
   * from its record, the hook not asked again), else the {@code body} to store (the hook's replacement, or the
   * send's own).
   */
  public record Screened(Appended stored, Object body) {
  }

  /** Whether sends to {@code channel} go through the publish hook ({@link #screen}) before {@link #publish}. */
  public boolean screened(Channel channel) {
    return hooks.screens(channel);
  }

  /**
   * The publish hook's say on a device's send, before it is stored: fails {@code forbidden} with the application's
   * message when it refuses, {@code unavailable} when it cannot answer. A send whose (user, device, seq) is
   * stored already is answered from its record, without asking: the hook said yes to it once.
   */
  public Future<Screened> screen(String from, Channel to, String device, long seq, Object body, DedupeKey key,
                                 Version version) {
    return history.stored(key, Draft.channelsFor(to, from).get(0)).recover(Unavailable::of).compose(stored -> {
      if (stored != null) {
        return Future.succeededFuture(new Screened(stored, null));
      }
      return hooks.publish(from, to, device, seq, body, version.replaces(), version.deletes()).compose(verdict -> verdict.allow()
          ? Future.succeededFuture(new Screened(null, verdict.replaced() && version.deletes() == null ? verdict.body() : body))
          : Future.failedFuture(new ProtocolException(ErrorCode.FORBIDDEN,
              verdict.message() == null ? "the application refused the message" : verdict.message())));
    });
  }

  /**
   * Stores and publishes a user's message. A repeated {@code key} gets the first result and is not delivered
   * again. Fails with {@code too_large} when the stored frame would pass the size limit, {@code forbidden}
   * when the store finds the sender is not (any more) a member of the group, {@code rate_limited} past the
   * user's quotas, and {@code unavailable} when the store cannot promise the message.
   */
  public Future<Appended> publish(String from, Channel to, Object body, DedupeKey key, Permissions.Send send,
                                  Version version) {
    String bodyJson = version.deletes() != null ? null : encodeBody(body);
    quotas.charge(from, to.name(), (long) (bodyJson == null ? 0 : bodyJson.length()) * Draft.channelsFor(to, from).size(),
        clock.millis());
    return store(from, to, Draft.channelsFor(to, from), bodyJson, key, send, version);
  }

  /**
   * (1.1) Deletes message {@code id} of {@code channel} as the application ({@code system}, any author's message): in
   * both copies of a direct message. Fails {@code not_found} for an id the channel does not hold.
   */
  public Future<Appended> deleteAsApplication(Channel channel, String id) {
    return history.find(channel.name(), id).recover(Unavailable::of).compose(original -> {
      if (original == null) {
        return Future.failedFuture(new ProtocolException(ErrorCode.NOT_FOUND, "no message " + id + " in " + channel.name()));
      }
      Channel to = Channel.parse(original.to());
      return store(SYSTEM, to, Draft.channelsFor(to, original.from()), null, null,
          Permissions.Send.NO_MEMBERSHIP_NEEDED, Version.deleting(id, true));
    });
  }

  /**
   * A publish of the HTTP API. With an {@code idempotencyKey} (null: none) a retry gets the first publish's
   * result and is not delivered again; the key used for a different publish fails with {@code bad_request}.
   */
  public Future<Appended> publishOnce(String from, Channel to, Object body, String idempotencyKey, Permissions.Send send) {
    String bodyJson = encodeBody(body);
    return store(from, to, Draft.channelsFor(to, from), bodyJson, idempotencyKey == null ? null
        : DedupeKey.api(idempotencyKey, fingerprint(to.name(), from, bodyJson)), send, Version.NONE);
  }

  /** A new id, unique in the cluster, ordered by time (sessions are named with it too). */
  public String newId() {
    return ids.next(clock.millis());
  }

  private Future<Appended> store(String from, Channel to, List<String> channels, String bodyJson, DedupeKey key,
                                 Permissions.Send send, Version version) {
    long ts = clock.millis();
    Draft draft = new Draft(ids.next(ts), from, to, channels, ts, bodyJson, key,
        send == Permissions.Send.MEMBERSHIP_CHECKED_BY_STORE, version);
    return history.append(draft)
        .recover(Unavailable::of)
        .onSuccess(appended -> metrics.accepted(appended.duplicate()));
  }

  private static String fingerprint(String... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : parts) {
        sha.update(part.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private String encodeBody(Object body) {
    String json = Json.encode(body);
    if (json.length() + MessageFrames.envelopeBytes() > maxMessageBytes
        && json.getBytes(StandardCharsets.UTF_8).length + MessageFrames.envelopeBytes() > maxMessageBytes) {
      throw new ProtocolException(ErrorCode.TOO_LARGE,
          "body too large: a message may hold " + (maxMessageBytes - MessageFrames.envelopeBytes()) + " bytes of body");
    }
    return json;
  }
}
