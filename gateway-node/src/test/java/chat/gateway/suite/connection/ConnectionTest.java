package chat.gateway.suite.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.TestNode;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The life of a connection: handshake, connect, deadlines, ping, and what may come first. */
class ConnectionTest {

  @Test
  void connectAnswersWithSessionNodeHeartbeatAndChannels() {
    try (TestNode node = TestNode.start("NODE_ID", "gw-test", "HEARTBEAT", "25s")) {
      WsProbe ws = node.probe();
      ws.send(new JsonObject().put("type", "connect").put("user", "alice").put("device", "phone-1"));
      JsonObject connected = ws.next();
      assertEquals("connected", connected.getString("type"));
      assertEquals("alice", connected.getString("user"));
      assertEquals("gw-test", connected.getString("node"));
      assertEquals(25, connected.getInteger("heartbeat"));
      assertFalse(connected.getString("session").isEmpty());
      assertEquals(new JsonArray().add("user/alice").add("broadcast"), connected.getJsonArray("channels"));
      assertEquals(new JsonObject(), connected.getJsonObject("recovered"));
    }
  }

  @Test
  void channelsListStoredGroupsAfterReconnect() {
    try (TestNode node = TestNode.start()) {
      WsProbe first = node.connected("alice");
      first.send("{\"type\":\"join\",\"ref\":1,\"channel\":\"group/dev\"}");
      first.next("joined");
      first.close();
      WsProbe again = node.probe();
      again.send("{\"type\":\"connect\",\"user\":\"alice\"}");
      assertTrue(again.next("connected").getJsonArray("channels").contains("group/dev"));
    }
  }

  @Test
  void pingGetsPong() {
    try (TestNode node = TestNode.start()) {
      WsProbe ws = node.connected("alice");
      ws.send("{\"type\":\"ping\"}");
      assertEquals(new JsonObject().put("type", "pong"), ws.next());
    }
  }

  @Test
  void noConnectWithinTheTimeoutCloses4001() {
    try (TestNode node = TestNode.start("CONNECT_TIMEOUT", "300ms")) {
      WsProbe ws = node.probe();
      assertEquals(4001, ws.closeCode());
    }
  }

  @Test
  void anotherFrameBeforeConnectIsUnauthorizedAndCloses4001() {
    try (TestNode node = TestNode.start()) {
      WsProbe ws = node.probe();
      ws.send("{\"type\":\"join\",\"ref\":1,\"channel\":\"group/dev\"}");
      JsonObject error = ws.next();
      assertEquals("unauthorized", error.getString("code"));
      assertEquals(4001, ws.closeCode());
    }
  }

  @Test
  void secondConnectIsBadRequestAndTheConnectionStays() {
    try (TestNode node = TestNode.start()) {
      WsProbe ws = node.connected("alice");
      ws.send("{\"type\":\"connect\",\"user\":\"alice\"}");
      assertEquals("bad_request", ws.next().getString("code"));
      ws.send("{\"type\":\"ping\"}");
      assertEquals("pong", ws.next().getString("type"));
    }
  }

  @Test
  void devModeConnectWithoutUserIsUnauthorized() {
    try (TestNode node = TestNode.start()) {
      WsProbe ws = node.probe();
      ws.send("{\"type\":\"connect\"}");
      assertEquals("unauthorized", ws.next().getString("code"));
      assertEquals(4001, ws.closeCode());
    }
  }

  @Test
  void invalidUserIdIsBadRequest() {
    try (TestNode node = TestNode.start()) {
      WsProbe ws = node.probe();
      ws.send("{\"type\":\"connect\",\"user\":\"al ice\"}");
      assertEquals("bad_request", ws.next().getString("code"));
      ws.send("{\"type\":\"connect\",\"user\":\"alice\"}");
      assertEquals("connected", ws.next().getString("type"));
    }
  }

  @Test
  void originNotOnTheAllowlistIsRefusedWith403() {
    try (TestNode node = TestNode.start("ALLOWED_ORIGINS", "https://chat.example.com, https://admin.example.com")) {
      UpgradeRejectedException rejected = assertThrows(UpgradeRejectedException.class,
          () -> node.probe("Origin", "https://evil.example.com"));
      assertEquals(403, rejected.getStatus());
      WsProbe allowed = node.probe("Origin", "https://admin.example.com");
      allowed.send("{\"type\":\"connect\",\"user\":\"alice\"}");
      assertEquals("connected", allowed.next().getString("type"));
    }
  }

  @Test
  void plainGetOfTheWebSocketEndpointIs400() {
    try (TestNode node = TestNode.start()) {
      assertEquals(400, node.request(node.port(), io.vertx.core.http.HttpMethod.GET, "/ws", null, null).status());
    }
  }
}
