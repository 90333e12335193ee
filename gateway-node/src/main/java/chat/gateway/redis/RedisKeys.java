package chat.gateway.redis;

/**
 * Every Redis key and pub/sub topic the gateway uses, under one configurable prefix (default {@code chat:}),
 * so that several deployments can share a Redis and an operator can find everything. Scripts receive every
 * key and topic they touch from here; none builds a name itself.
 *
 * <p><b>Slots.</b> On a Redis Cluster each name carries a hash tag ({@code {...}}) naming what it belongs
 * to, so that everything one script touches lies in one slot and each script runs on one shard:
 * <ul>
 *   <li>a channel: its stream, meta hash, pub/sub topic, the dedupe records of what was sent to it and, for
 *   a group, its member set (the authority the publish script checks): tag {@code {group/dev}};
 *   <li>a user: the user's groups, live sessions and exclusion: tag {@code {user/alice}} (the slot of the
 *   user's own channel);
 *   <li>a node: its liveness key and the set of its sessions: tag {@code {node/gw-1}};
 *   <li>the online users, spread over {@link #onlineBuckets} sets so that no one shard holds them all.
 * </ul>
 * On a standalone Redis (and under Sentinel) names carry no tag and keep the names of earlier versions, so
 * an upgraded node finds the history, memberships and dedupe records already there.
 */
public final class RedisKeys {
  /** Online sets on a cluster: enough to spread over any number of shards worth running. */
  private static final int CLUSTER_ONLINE_BUCKETS = 16;

  private final String prefix;
  private final boolean cluster;

  private RedisKeys(String prefix, boolean cluster) {
    this.prefix = prefix;
    this.cluster = cluster;
  }

  /** Names for one Redis (or a primary under Sentinel): no hash tags. */
  public static RedisKeys standalone(String prefix) {
    return new RedisKeys(prefix, false);
  }

  /** Names for a Redis Cluster: hash tags put what one script touches into one slot. */
  public static RedisKeys cluster(String prefix) {
    return new RedisKeys(prefix, true);
  }

  public String prefix() {
    return prefix;
  }

  public boolean cluster() {
    return cluster;
  }

  /** {@code {owner}} on a cluster, {@code plain} otherwise (the name earlier versions used). */
  private String tag(String owner, String plain) {
    return cluster ? "{" + owner + "}" : plain;
  }

  // ---- a channel ----------------------------------------------------------------------------------

  /** The stream holding a channel's history. */
  public String stream(String channel) {
    return prefix + "stream:" + tag(channel, channel);
  }

  /** Hash of a channel's history: {@code epoch} (changes when the stream was lost), {@code last} id, {@code trimmed}. */
  public String meta(String channel) {
    return prefix + "meta:" + tag(channel, channel);
  }

  /** Pub/sub topic of a channel: its messages and events (a user's: its control events too). */
  public String topic(String channel) {
    return prefix + "ch:" + tag(channel, channel);
  }

  /**
   * (1.1) Read markers kept in a channel: a group's, by member; a user's own channel's, by the other party of each
   * direct conversation (the positions are in the user's copies). Each {@code epoch|streamId|id|others}.
   */
  public String reads(String channel) {
    return prefix + "reads:" + tag(channel, channel);
  }

  /**
   * (1.1) Tombstones of a channel's deleted message versions (sorted set, by the entry's ms): what history shows of
   * them once their bodies are gone from the stream.
   */
  public String tombstones(String channel) {
    return prefix + "tombs:" + tag(channel, channel);
  }

  /** (1.1) A channel's edited messages: hash of a message's id to the stream ids of its edits. */
  public String versions(String channel) {
    return prefix + "versions:" + tag(channel, channel);
  }

  /**
   * The stored result of one publish to {@code channel}, by its dedupe name ({@code user:device:seq},
   * {@code api/<key>}), for resends. The sender's own copy of a direct message has a record of its own
   * ({@code copy}), in the slot of the sender's channel.
   */
  public String dedupe(String channel, String name, boolean copy) {
    String record = copy ? name + ":copy" : name;
    return prefix + "dedupe:" + (cluster ? "{" + channel + "}:" + record : record);
  }

  /**
   * An API idempotency key's claim, holding the fingerprint of the publish that first used it, in a slot of
   * its own: the key is checked against its first use whichever channel it names.
   */
  public String claim(String name) {
    return prefix + "claim:" + tag(name, name);
  }

  /** Set of a group's members (user ids), in the group's slot. */
  public String members(String group) {
    return prefix + "members:" + tag("group/" + group, group);
  }

  // ---- a user -------------------------------------------------------------------------------------

  /** Set of a user's groups (group ids), in the slot of the user's channel. */
  public String groupsOf(String user) {
    return prefix + "groups:" + tag("user/" + user, user);
  }

  /** Hash of a user's live sessions: session id to {@code node|device|connectedAt|incarnation}. */
  public String sessions(String user) {
    return prefix + "sessions:" + tag("user/" + user, user);
  }

  /** A user's exclusion: sessions that began connecting before the time it holds (ms) are refused. */
  public String exclusion(String user) {
    return prefix + "excluded:" + tag("user/" + user, user);
  }

  /** The set of online users that holds {@code user}. */
  public String online(String user) {
    return onlineBucket(cluster ? Math.floorMod(user.hashCode(), CLUSTER_ONLINE_BUCKETS) : 0);
  }

  /** How many sets the online users are spread over. */
  public int onlineBuckets() {
    return cluster ? CLUSTER_ONLINE_BUCKETS : 1;
  }

  /** Online set number {@code bucket} ({@code 0 <= bucket < onlineBuckets()}). */
  public String onlineBucket(int bucket) {
    return prefix + "online" + (cluster ? ":{online/" + bucket + "}" : "");
  }

  // ---- a node -------------------------------------------------------------------------------------

  /** Hash of the sessions a node holds ({@code user|session} to the incarnation that registered it), for sweeps. */
  public String nodeSessions(String node) {
    return prefix + "node-sessions:" + tag("node/" + node, node);
  }

  /** A node's sessions taken by a sweeper (moved from {@link #nodeSessions}, in the same slot). */
  public String sweptSessions(String node) {
    return prefix + "swept-sessions:" + tag("node/" + node, node);
  }

  /** A node's liveness key, with a TTL, holding {@code address|startedAt|connections}. */
  public String nodeAlive(String node) {
    return prefix + "alive:" + tag("node/" + node, node);
  }

  /** Pub/sub topic of one node: drain requests (and, on one Redis, its canary). */
  public String nodeTopic(String node) {
    return prefix + "node:" + tag("node/" + node, node);
  }

  /** A canary topic of {@code node} in the slot of {@code tag}: one per shard, so each shard's pub/sub is checked. */
  public String canaryTopic(String node, String tag) {
    return prefix + "canary:" + node + ":{" + tag + "}";
  }

  // ---- the cluster --------------------------------------------------------------------------------

  /** Set of node ids that registered; a node whose {@link #nodeAlive} key expired is swept. */
  public String nodes() {
    return prefix + "nodes";
  }

  /** Exists while Redis holds the cluster's data: a node that finds it gone knows Redis restarted empty. */
  public String dataset() {
    return prefix + "dataset";
  }

  /** Lock taken by the one node that sweeps dead nodes at a time. */
  public String sweeperLock() {
    return prefix + "sweeper";
  }

  // ---- webhooks: a standalone Redis (or a primary under Sentinel) is one shard with one event stream; on a
  // cluster, each slot's events wait in a stream of that slot (recorded with what they report, in its slot), and
  // each shard (a primary, named by the first slot it serves) has a lease and a hash counting events told per slot.

  /** The slot of what {@code owner} (a hash tag: {@code group/dev}, {@code user/alice}) records: 0 on one Redis. */
  public int slotOf(String owner) {
    return cluster ? Slots.of("{" + owner + "}") : 0;
  }

  /** The webhook events of {@code slot} waiting for delivery, oldest first. */
  public String webhookEvents(int slot) {
    return prefix + "webhook:events" + slotTag(slot);
  }

  /** Counts of {@code slot}'s events: {@code dropped} (past the backlog, not yet counted by a deliverer). */
  public String webhookStats(int slot) {
    return prefix + "webhook:stats" + slotTag(slot);
  }

  /** The lease of the node that delivers the events of the shard whose first slot is {@code shard} (its token). */
  public String webhookLease(int shard) {
    return prefix + "webhook:lease" + slotTag(shard);
  }

  /** On a cluster, the slots of shard {@code shard} whose streams may hold events, each with a count of those told. */
  public String webhookSlots(int shard) {
    return prefix + "webhook:slots" + slotTag(shard);
  }

  private String slotTag(int slot) {
    return cluster ? ":{" + Slots.tag(slot) + "}" : "";
  }

  /** A key in the slot of {@code channel} that is never written: stands in for a key a script may not need. */
  public String unused(String channel) {
    return prefix + "unused:" + tag(channel, channel);
  }
}
