package chat.gateway.routing;

import chat.gateway.access.Permissions;
import chat.gateway.cluster.Broker;
import chat.gateway.cluster.Event;
import chat.gateway.config.GatewayConfig;
import chat.gateway.history.Appended;
import chat.gateway.history.DedupeKey;
import chat.gateway.history.Draft;
import chat.gateway.history.HistoryStore;
import chat.gateway.history.Page;
import chat.gateway.membership.MembershipStore;
import chat.gateway.message.MessageFrames;
import chat.gateway.message.Position;
import chat.gateway.message.Replay;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.registry.NodeInfo;
import chat.gateway.registry.SessionInfo;
import chat.gateway.registry.SessionRegistry;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

/**
 * What a user can do, whichever door they come through (a WebSocket or the HTTP API): publish, join,
 * leave, read history and presence, and the session bookkeeping that makes {@code member} events.
 * Whether they may is {@link Permissions}'s to decide, before they get here; this class stores and publishes.
 */
public final class ChatService {
  /** Longest list of names in a presence answer; {@code members} still counts everyone. */
  public static final int PRESENCE_LIST_LIMIT = 1000;
  /**
   * How long a disconnect keeps refusing the user's sessions that were connecting when it came: longer than
   * any connect takes (its timeout, plus a store's).
   */
  private static final long CONNECTING_WINDOW_MILLIS = 120_000;

  private final HistoryStore history;
  private final MembershipStore membership;
  private final SessionRegistry registry;
  private final Broker broker;
  private final GatewayMetrics metrics;
  private final Clock clock;
  private final IdGenerator ids = new IdGenerator();
  private final int maxMessageBytes;
  private final long largeGroupMembers;
  private final int groupsPerUser;
  private final int sessionsPerUser;
  private final UserQuotas quotas;
  private final PresenceCache presenceCache;

  /** Who is online in a channel; {@code large}: a group too large to list, {@code members} is its count alone. */
  public record PresenceView(List<String> online, long members, boolean large) {
    PresenceView(List<String> online, long members) {
      this(online, members, false);
    }
  }

  public ChatService(HistoryStore history, MembershipStore membership, SessionRegistry registry, Broker broker,
                     GatewayMetrics metrics, Clock clock, int maxMessageBytes, long largeGroupMembers,
                     GatewayConfig.QuotaConfig quotaConfig, Predicate<String> watched) {
    this.presenceCache = new PresenceCache(watched, clock);
    this.groupsPerUser = quotaConfig.groupsPerUser();
    this.sessionsPerUser = quotaConfig.sessionsPerUser();
    this.quotas = new UserQuotas(quotaConfig.newChannelsPerWindow(), quotaConfig.bytesPerWindow(), quotaConfig.window());
    this.history = history;
    this.membership = membership;
    this.registry = registry;
    this.broker = broker;
    this.metrics = metrics;
    this.clock = clock;
    this.maxMessageBytes = maxMessageBytes;
    this.largeGroupMembers = largeGroupMembers;
  }

  /** The channel's newest position (where a join starts). */
  public Future<Position> head(String channel) {
    return history.head(channel).recover(ChatService::unavailable);
  }

  /** A page of the messages after {@code after}, for a resume ({@link HistoryStore#since}). */
  public Future<Replay> since(String channel, Position after, int maxBytes) {
    return history.since(channel, after, maxBytes).recover(ChatService::unavailable);
  }

  /**
   * Stores and publishes a user's message. A repeated {@code key} gets the first result and is not delivered
   * again. Fails with {@code too_large} when the stored frame would pass the size limit, {@code forbidden}
   * when the sender is not (any more) a member of the group, {@code rate_limited} past the user's quotas,
   * and {@code unavailable} when the store cannot promise the message.
   */
  public Future<Appended> publish(String from, Channel to, Object body, DedupeKey key, Permissions.Send send) {
    String bodyJson = encodeBody(body);
    quotas.charge(from, to.name(), (long) bodyJson.length() * Draft.channelsFor(to, from).size(), clock.millis());
    return store(from, to, bodyJson, key, send);
  }

  /**
   * A publish of the HTTP API. With an {@code idempotencyKey} (null: none) a retry gets the first publish's
   * result and is not delivered again; the key used for a different publish fails with {@code bad_request}.
   */
  public Future<Appended> publishOnce(String from, Channel to, Object body, String idempotencyKey, Permissions.Send send) {
    String bodyJson = encodeBody(body);
    return store(from, to, bodyJson, idempotencyKey == null ? null
        : DedupeKey.api(idempotencyKey, fingerprint(to.name(), from, bodyJson)), send);
  }

  private Future<Appended> store(String from, Channel to, String bodyJson, DedupeKey key, Permissions.Send send) {
    long ts = clock.millis();
    Draft draft = new Draft(ids.next(ts), from, to, Draft.channelsFor(to, from), ts, bodyJson, key,
        send == Permissions.Send.MEMBERSHIP_CHECKED_BY_STORE);
    return history.append(draft)
        .recover(ChatService::unavailable)
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

  /**
   * Stores the membership; completes with true when it is new. Announce it with {@link #announceJoined}.
   * Fails with {@code forbidden} past the groups-per-user cap, and {@code rate_limited} past the user's
   * quota of channels.
   */
  public Future<Boolean> join(String user, String group) {
    quotas.charge(user, Channel.group(group).name(), 0, clock.millis());
    return membership.join(user, group, groupsPerUser).recover(ChatService::unavailable);
  }

  /** Housekeeping: forgets quota windows that ended and presence answers past their age. */
  public void sweep() {
    quotas.sweep(clock.millis());
    presenceCache.sweep();
  }

  /** A member event of {@code channel} reached this node: a kept presence answer of it is stale. */
  public void presenceChanged(String channel) {
    presenceCache.changed(channel);
  }

  /** Tells the group that {@code user} joined, and the user's other sessions to subscribe. */
  public void announceJoined(String user, String group) {
    presenceCache.changed(Channel.group(group).name());
    broker.publish(Event.Member.of(Channel.group(group).name(), user, "joined"));
    broker.publish(new Event.Control(Channel.user(user).name(), Event.Control.Kind.SUBSCRIBE, group));
  }

  /** Removes the membership everywhere; fails with {@code not_found} when the user was not a member. */
  public Future<Void> leave(String user, String group) {
    return membership.leave(user, group).recover(ChatService::unavailable).compose(removed -> {
      if (!removed) {
        return Future.failedFuture(new ProtocolException(ErrorCode.NOT_FOUND, "not a member of group/" + group));
      }
      presenceCache.changed(Channel.group(group).name());
      broker.publish(new Event.Control(Channel.user(user).name(), Event.Control.Kind.UNSUBSCRIBE, group));
      broker.publish(Event.Member.of(Channel.group(group).name(), user, "left"));
      return Future.succeededFuture();
    });
  }

  /** Writes back memberships a session knew, after Redis lost its data (no events: nothing changed for users). */
  public Future<Void> restoreMemberships(String user, Collection<String> groups) {
    return Future.all(groups.stream().map(g -> membership.join(user, g, Integer.MAX_VALUE)).toList())
        .<Void>mapEmpty().recover(ChatService::unavailable);
  }

  public Future<List<String>> groupsOf(String user) {
    return membership.groupsOf(user).recover(ChatService::unavailable);
  }

  /** A page of history; a {@code before} from lost history fails with {@code not_found}. */
  public Future<Page> history(Channel channel, Position before, int limit, int maxBytes) {
    return history.page(channel.name(), before, limit, maxBytes).recover(ChatService::unavailable);
  }

  /**
   * Who is online in {@code channel}. A group's answer is kept while no member event of it reaches this node
   * ({@link PresenceCache}): asking again costs nothing until something changed.
   */
  public Future<PresenceView> presence(Channel channel) {
    Future<PresenceView> view = switch (channel.kind()) {
      case USER -> registry.online(List.of(channel.id())).map(online -> new PresenceView(online, 1));
      case BROADCAST -> registry.onlineUsers(PRESENCE_LIST_LIMIT).map(o -> new PresenceView(o.users(), o.total()));
      case GROUP -> presenceCache.get(channel.name(), () -> groupPresence(channel.id()));
    };
    return view.recover(ChatService::unavailable);
  }

  private Future<PresenceView> groupPresence(String group) {
    return membership.sizes(List.of(group)).compose(sizes -> {
      long size = sizes.getOrDefault(group, 0L);
      if (size > largeGroupMembers) {
        return Future.succeededFuture(new PresenceView(List.of(), size, true));
      }
      return membership.members(group).compose(members -> registry.online(members)
          .map(online -> new PresenceView(online.stream().sorted().limit(PRESENCE_LIST_LIMIT).toList(), members.size())));
    });
  }

  /**
   * Registers a session; completes with the user's session count (1: they just came online, see
   * {@link #cameOnline}; 0: it was registered already). Fails with {@code forbidden} when the user has as many
   * sessions as they may, or is banned or was disconnected while this session was connecting.
   */
  public Future<Integer> register(SessionInfo session) {
    return registry.register(session, sessionsPerUser).recover(ChatService::unavailable).compose(count -> {
      if (count == SessionRegistry.REFUSED_FULL) {
        return Future.failedFuture(new ProtocolException(ErrorCode.FORBIDDEN,
            "too many sessions: a user may have " + sessionsPerUser + "; close one first"));
      }
      if (count == SessionRegistry.REFUSED_EXCLUDED) {
        return Future.failedFuture(new ProtocolException(ErrorCode.FORBIDDEN, "disconnected by the server"));
      }
      return Future.succeededFuture(count);
    });
  }

  /** Tells each of the user's groups that they came online (their first session). */
  public void cameOnline(String user, Collection<String> groups) {
    announceStatus(user, groups, "online");
  }

  /** {@link #register}, then {@link #cameOnline} if it was the user's first session. */
  public Future<Void> sessionOpened(SessionInfo session, Collection<String> groups) {
    return register(session).map(count -> {
      if (count == 1) {
        cameOnline(session.user(), groups);
      }
      return null;
    });
  }

  /** Unregisters a session; the user's last session makes them {@code offline} in each of their groups. */
  public Future<Void> sessionClosed(SessionInfo session, Collection<String> groups) {
    return registry.unregister(session).recover(ChatService::unavailable).map(count -> {
      if (count == 0) {
        announceStatus(session.user(), groups, "offline");
      }
      return null;
    });
  }

  /** Tells the user's groups that they went offline (their last session was swept with a dead node). */
  public void wentOffline(String user) {
    membership.groupsOf(user).onSuccess(groups -> announceStatus(user, groups, "offline"));
  }

  /**
   * Tells each of {@code groups} that {@code user} went online or offline, except groups of more than
   * {@code largeGroupMembers}: there a status event would go to thousands of members each time anyone comes
   * or goes, so only joined and left are sent.
   */
  private void announceStatus(String user, Collection<String> groups, String status) {
    if (groups.isEmpty()) {
      return;
    }
    groups.forEach(g -> presenceCache.changed(Channel.group(g).name()));
    membership.sizes(groups).onSuccess(sizes -> sizes.forEach((group, size) -> {
      if (size <= largeGroupMembers) {
        broker.publish(Event.Member.of(Channel.group(group).name(), user, status));
      }
    }));
  }

  /**
   * Closes every session of {@code user} on every node with 4003, those still connecting included (the
   * registry refuses them), and keeps the user out for {@code ban} (zero: they may connect again at once).
   * Completes with the end of the ban (ms), or 0.
   */
  public Future<Long> disconnect(String user, Duration ban) {
    long now = clock.millis();
    long notBefore = now + ban.toMillis();
    return registry.exclude(user, notBefore, Math.max(ban.toMillis(), CONNECTING_WINDOW_MILLIS))
        .compose(v -> broker.publish(new Event.Control(Channel.user(user).name(), Event.Control.Kind.DISCONNECT, null)))
        .recover(ChatService::unavailable).map(v -> ban.isZero() ? 0L : notBefore);
  }

  /** Asks a live node to drain; fails with {@code not_found} for a node that is not live. */
  public Future<Void> drainNode(String nodeId) {
    return cluster().compose(nodes -> nodes.stream().anyMatch(n -> n.id().equals(nodeId))
        ? broker.requestDrain(nodeId).recover(ChatService::unavailable)
        : Future.failedFuture(new ProtocolException(ErrorCode.NOT_FOUND, "no live node " + nodeId)));
  }

  public Future<List<NodeInfo>> cluster() {
    return registry.nodes().recover(ChatService::unavailable);
  }

  public String newId() {
    return ids.next(clock.millis());
  }

  /**
   * A failure of the cluster's stores or broker (a timeout, a connection down, an overloaded Redis) as a
   * client sees it: {@code unavailable}, temporary. Protocol errors pass through.
   */
  public static <T> Future<T> unavailable(Throwable failure) {
    if (failure instanceof ProtocolException) {
      return Future.failedFuture(failure);
    }
    return Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE,
        "temporarily unable to store or read; try again"));
  }
}
