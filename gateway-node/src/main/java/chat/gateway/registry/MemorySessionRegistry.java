package chat.gateway.registry;

import chat.gateway.config.WebhookConfig.Type;
import chat.gateway.webhook.EventSink;
import chat.gateway.webhook.WebhookEvent;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@link SessionRegistry} of an embedded node: this node is the whole cluster. Records the {@code session} and
 * {@code presence} webhook events as the sessions change, in each user's order.
 */
public final class MemorySessionRegistry implements SessionRegistry {
  private final Map<String, Map<String, SessionInfo>> sessionsByUser = new ConcurrentHashMap<>();
  private final AtomicLong sessions = new AtomicLong();
  private final Map<String, Exclusion> excluded = new ConcurrentHashMap<>();
  private final Supplier<NodeInfo> self;
  private final Clock clock;
  private final EventSink events;

  private record Exclusion(long notBefore, long keptUntil) {
  }

  /** {@code self} describes this node; its connection count is replaced by the registry's own. */
  public MemorySessionRegistry(Supplier<NodeInfo> self, Clock clock, EventSink events) {
    this.self = self;
    this.clock = clock;
    this.events = events;
  }

  @Override
  public Future<Registration> register(SessionInfo session, int maxSessions) {
    Exclusion exclusion = excluded.get(session.user());
    if (exclusion != null && session.connectedAt() < exclusion.notBefore()) {
      return Future.succeededFuture(new Registration(REFUSED_EXCLUDED));
    }
    AtomicInteger count = new AtomicInteger();
    sessionsByUser.compute(session.user(), (u, current) -> {
      Map<String, SessionInfo> map = current == null ? new ConcurrentHashMap<>() : current;
      if (map.containsKey(session.session())) {
        return map;
      }
      if (map.size() >= maxSessions) {
        count.set(REFUSED_FULL);
      } else {
        map.put(session.session(), session);
        sessions.incrementAndGet();
        count.set(map.size());
        changed(session, true, map.size() == 1, 0);
      }
      return map.isEmpty() ? null : map;
    });
    return Future.succeededFuture(new Registration(count.get()));
  }

  /** The session's event, then the user's presence when it was the first or last (inside the user's lock: in order). */
  private void changed(SessionInfo session, boolean opened, boolean presence, int code) {
    long now = clock.millis();
    if (events.wants(Type.SESSION)) {
      events.record(WebhookEvent.session(now, session.user(), session.session(), session.node(), opened, code));
    }
    if (presence && events.wants(Type.PRESENCE)) {
      events.record(WebhookEvent.presence(now, session.user(), opened));
    }
  }

  /** Whether {@code user} has a session open now. */
  public boolean isOnline(String user) {
    return sessionsByUser.containsKey(user);
  }

  @Override
  public Future<Void> exclude(String user, long notBefore, long keepMillis) {
    long until = clock.millis() + keepMillis;
    excluded.merge(user, new Exclusion(notBefore, until),
        (a, b) -> new Exclusion(Math.max(a.notBefore(), b.notBefore()), Math.max(a.keptUntil(), b.keptUntil())));
    return Future.succeededFuture();
  }

  /** Forgets exclusions kept long enough. */
  public void sweep() {
    long now = clock.millis();
    excluded.values().removeIf(e -> e.keptUntil() <= now);
  }

  @Override
  public Future<Integer> unregister(SessionInfo session, int code) {
    AtomicInteger count = new AtomicInteger();
    sessionsByUser.computeIfPresent(session.user(), (u, map) -> {
      if (map.remove(session.session()) != null) {
        sessions.decrementAndGet();
        changed(session, false, map.isEmpty(), code);
      }
      count.set(map.size());
      return map.isEmpty() ? null : map;
    });
    return Future.succeededFuture(count.get());
  }

  @Override
  public Future<List<String>> online(Collection<String> users) {
    return Future.succeededFuture(users.stream().filter(sessionsByUser::containsKey).toList());
  }

  @Override
  public Future<OnlineUsers> onlineUsers(int limit) {
    List<String> users = new ArrayList<>();
    for (String user : sessionsByUser.keySet()) {
      if (users.size() == limit) {
        break;
      }
      users.add(user);
    }
    return Future.succeededFuture(new OnlineUsers(users, sessionsByUser.size()));
  }

  @Override
  public Future<List<NodeInfo>> nodes() {
    NodeInfo node = self.get();
    return Future.succeededFuture(List.of(new NodeInfo(node.id(), node.address(), sessions.get(), node.startedAt())));
  }
}
