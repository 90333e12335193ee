package chat.gateway.suite.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import chat.gateway.testing.Await;
import chat.gateway.testing.RedisClusterFixture;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import chat.protocol.ServerFrame;
import chat.protocol.client.ChatClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link FailoverTest} on a Redis Cluster (the group's shard loses its primary), and a slot migrated under a
 * stream: nothing lost or repeated, and the nodes' subscriptions follow the slot.
 */
class ClusterFailoverTest extends FailoverTest {
  private final RedisClusterFixture cluster = RedisClusterFixture.get();

  @Override
  void useStore(boolean on) {
    TestNode.useRedisCluster(on);
  }

  @Override
  Runnable killGroupsPrimary() {
    int slot = cluster.slot("{" + GROUP + "}");
    int primary = cluster.primaryOf(slot);
    cluster.kill(primary);
    return () -> cluster.awaitFailover(slot, primary);
  }

  @Override
  void restore() {
    cluster.restore();
  }

  @Test
  void aSlotMigratedUnderAStreamLosesAndRepeatsNothing() {
    int slot = cluster.slot("{" + GROUP + "}");
    int from = cluster.primaryOf(slot);
    int to = cluster.primaries().stream().filter(p -> p != from).findFirst().orElseThrow();
    WsProbe bob = member(b, "bob");
    WsProbe carol = member(a, "carol");
    ChatClient alice = a.client("alice", "phone");
    Await.result(alice.connect());
    Await.result(alice.join(GROUP));

    // the group's keys (stream, meta, members, dedupe records) move a few at a time while messages flow
    Thread migration = new Thread(() -> cluster.migrate(slot, to, 3, 20));
    List<ServerFrame.Ack> acks = stream(alice, 150, 40, migration::start);
    try {
      migration.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertEquals(to, cluster.primaryOf(slot), "the slot moved");
    List<String> ids = inPositionOrder(acks);
    assertEquals(150, ids.stream().distinct().count());
    receivesExactly(bob, ids);
    receivesExactly(carol, ids);
    ServerFrame.Ack after = Await.result(alice.send(GROUP, "after"));
    assertEquals(after.id(), bob.next("message").getString("id"), "subscribed where the slot is now");
    assertEquals(200, ready(a));
    assertEquals(200, ready(b));
  }
}
