package chat.gateway.suite.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A rebalance after a scale-out: load balancers move no existing socket, so a node that joins fills only as clients
 * reconnect. Nodes above the cluster's average shed their excess with 4100 over the drain window (the clients resume
 * elsewhere), asked through {@code POST /api/cluster/rebalance} or, with {@code REBALANCE=auto}, on their own when a
 * node joins; the rest of their connections stay.
 */
class RebalanceTest {
  private static final int CLIENTS = 12;
  private final List<TestNode> nodes = new ArrayList<>();
  private final List<WsProbe> clients = new ArrayList<>();
  private String prefix;

  @BeforeEach
  void start() {
    TestNode.useRedis(true);
    prefix = TestNode.newPrefix();
  }

  @AfterEach
  void stop() {
    nodes.forEach(TestNode::close);
    TestNode.useRedis(false);
  }

  private TestNode node(String id, String... more) {
    List<String> settings = new ArrayList<>(List.of("REDIS_KEY_PREFIX", prefix, "NODE_ID", id, "NODE_TTL", "3s",
        "DRAIN_WINDOW", "1s"));
    settings.addAll(List.of(more));
    TestNode node = TestNode.start(settings.toArray(String[]::new));
    nodes.add(node);
    return node;
  }

  /** The connections each live node reports (refreshed every NODE_TTL / 3). */
  private static List<Long> counts(TestNode via) {
    JsonArray list = via.api(HttpMethod.GET, "/api/cluster", null).json().getJsonArray("nodes");
    List<Long> counts = new ArrayList<>();
    list.forEach(n -> counts.add(((JsonObject) n).getLong("connections")));
    return counts;
  }

  private long shedWith4100() {
    return clients.stream().filter(WsProbe::isClosed).filter(c -> c.closeCode() == 4100).count();
  }

  @Test
  void nodesAboveTheAverageShedTheirExcessWhenAsked() {
    TestNode first = node("gw-a");
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(first.connected("u" + i));
    }
    TestNode second = node("gw-b");
    Await.until("both nodes report their connections", () -> counts(second).stream().sorted().toList()
        .equals(List.of(0L, (long) CLIENTS)));
    JsonObject answer = second.api(HttpMethod.POST, "/api/cluster/rebalance", new JsonObject()).json();
    assertEquals(CLIENTS / 2, answer.getLong("average"));
    assertEquals(new JsonObject().put("gw-a", CLIENTS / 2), answer.getJsonObject("shed"));
    Await.until("half of the first node's clients asked to reconnect", () -> shedWith4100() == CLIENTS / 2);
    assertTrue(clients.stream().filter(c -> !c.isClosed()).count() == CLIENTS / 2, "the other half stay");
    // balanced now: a second rebalance asks nothing
    clients.removeIf(WsProbe::isClosed);
    for (int i = 0; i < CLIENTS / 2; i++) {
      clients.add(second.connected("v" + i));
    }
    Await.until("the counts refreshed", () -> counts(first).equals(List.of((long) CLIENTS / 2, (long) CLIENTS / 2)));
    assertEquals(new JsonObject(), second.api(HttpMethod.POST, "/api/cluster/rebalance", new JsonObject()).json()
        .getJsonObject("shed"));
  }

  @Test
  void withRebalanceAutoANodeShedsWhenAnotherJoins() {
    TestNode first = node("gw-a", "REBALANCE", "auto");
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(first.connected("u" + i));
    }
    Await.until("the first node seen alone with its clients", () -> counts(first).equals(List.of((long) CLIENTS)));
    node("gw-b", "REBALANCE", "auto");
    Await.until(Duration.ofSeconds(30), "the first node shed half when the second joined",
        () -> shedWith4100() == CLIENTS / 2);
    assertEquals(CLIENTS / 2, clients.stream().filter(c -> !c.isClosed()).count());
  }
}
