package chat.gateway.redis;

/**
 * Every Redis key and pub/sub topic the gateway uses, under one configurable prefix (default
 * {@code chat:}), so that several deployments can share a Redis and an operator can find everything.
 */
public final class RedisKeys {
  private final String prefix;

  public RedisKeys(String prefix) {
    this.prefix = prefix;
  }

  public String prefix() {
    return prefix;
  }

  /** The stream holding a channel's history. */
  public String stream(String channel) {
    return prefix + "stream:" + channel;
  }

  /** Hash of a channel's history: {@code epoch} (changes when the stream was lost) and {@code last} id. */
  public String meta(String channel) {
    return prefix + "meta:" + channel;
  }

  /** The stored result of one publish, by its dedupe name ({@code user:device:seq}, {@code api/<key>}), for resends. */
  public String dedupe(String name) {
    return prefix + "dedupe:" + name;
  }

  /** Hash of a user's live sessions: session id to {@code node|device|connectedAt}. */
  public String sessions(String user) {
    return prefix + "sessions:" + user;
  }

  /** Set of {@code user|session} held by a node, so its sessions can be swept if it dies. */
  public String nodeSessions(String node) {
    return prefix + "node-sessions:" + node;
  }

  /** Set of users with at least one live session. */
  public String online() {
    return prefix + "online";
  }

  /** Set of node ids that registered; a node whose {@link #nodeAlive} key expired is swept. */
  public String nodes() {
    return prefix + "nodes";
  }

  /** A node's liveness key, with a TTL, holding {@code address|startedAt|connections}. */
  public String nodeAlive(String node) {
    return prefix + "alive:" + node;
  }

  /** Exists while Redis holds the cluster's data: a node that finds it gone knows Redis restarted empty. */
  public String dataset() {
    return prefix + "dataset";
  }

  /** Lock taken by the one node that sweeps dead nodes at a time. */
  public String sweeperLock() {
    return prefix + "sweeper";
  }

  /** A user's exclusion: sessions that began connecting before the time it holds (ms) are refused. */
  public String exclusion(String user) {
    return prefix + "excluded:" + user;
  }

  public String groupsOf(String user) {
    return prefix + "groups:" + user;
  }

  public String members(String group) {
    return prefix + "members:" + group;
  }

  /** Pub/sub topic of a group channel or {@code broadcast}. */
  public String topic(String channel) {
    return prefix + "ch:" + channel;
  }

  /** Pub/sub topic of one node: direct messages, control events and the canary. */
  public String nodeTopic(String node) {
    return prefix + "node:" + node;
  }
}
