package chat.gateway.membership;

import chat.gateway.config.WebhookConfig.Type;
import chat.gateway.webhook.EventSink;
import chat.gateway.webhook.WebhookEvent;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link MembershipStore} of an embedded node: two indexes, user to groups and group to users. Records the
 * {@code member} webhook event of each change.
 */
public final class MemoryMembershipStore implements MembershipStore {
  private final Map<String, Set<String>> groupsByUser = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> usersByGroup = new ConcurrentHashMap<>();
  private final EventSink events;
  private final java.time.Clock clock;

  /** Told of each leave (user, group), under the store's lock: what goes with a membership goes with it. */
  private final java.util.function.BiConsumer<String, String> left;

  public MemoryMembershipStore(EventSink events, java.time.Clock clock, java.util.function.BiConsumer<String, String> left) {
    this.events = events;
    this.clock = clock;
    this.left = left;
  }

  @Override
  public synchronized Future<Joined> join(String user, String group, int maxGroups, String session) {
    Set<String> groups = groupsByUser.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet());
    if (!groups.contains(group) && groups.size() >= maxGroups) {
      return Future.failedFuture(MembershipStore.full(maxGroups));
    }
    boolean added = groups.add(group);
    usersByGroup.computeIfAbsent(group, g -> ConcurrentHashMap.newKeySet()).add(user);
    if (added) {
      changed(user, group, true);
    }
    return Future.succeededFuture(new Joined(added, -1)); // sessions are not this store's: told on one node anyway
  }

  @Override
  public synchronized Future<Boolean> leave(String user, String group) {
    boolean removed = remove(groupsByUser, user, group);
    remove(usersByGroup, group, user);
    left.accept(user, group);
    if (removed) {
      changed(user, group, false);
    }
    return Future.succeededFuture(removed);
  }

  private void changed(String user, String group, boolean joined) {
    if (events.wants(Type.MEMBER)) {
      events.record(WebhookEvent.member(clock.millis(), "group/" + group, user, joined));
    }
  }

  /** Whether {@code user} is a member of {@code group} now. */
  public boolean isMember(String user, String group) {
    return groupsByUser.getOrDefault(user, Set.of()).contains(group);
  }

  @Override
  public synchronized Future<Boolean> member(String user, String group) {
    return Future.succeededFuture(isMember(user, group));
  }

  @Override
  public Future<List<String>> groupsOf(String user) {
    return Future.succeededFuture(List.copyOf(groupsByUser.getOrDefault(user, Set.of())));
  }

  @Override
  public Future<List<String>> members(String group) {
    return Future.succeededFuture(List.copyOf(usersByGroup.getOrDefault(group, Set.of())));
  }

  /** How many members {@code group} has now. */
  public long size(String group) {
    return usersByGroup.getOrDefault(group, Set.of()).size();
  }

  @Override
  public Future<Map<String, Long>> sizes(Collection<String> groups) {
    Map<String, Long> sizes = new LinkedHashMap<>();
    groups.forEach(g -> sizes.put(g, (long) usersByGroup.getOrDefault(g, Set.of()).size()));
    return Future.succeededFuture(sizes);
  }

  private static boolean remove(Map<String, Set<String>> index, String key, String value) {
    Set<String> values = index.get(key);
    if (values == null || !values.remove(value)) {
      return false;
    }
    if (values.isEmpty()) {
      index.remove(key);
    }
    return true;
  }
}
