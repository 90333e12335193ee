package chat.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --protocol socketio} against a room server that speaks Socket.IO 4 over a WebSocket as
 * ../shared/peers/socketio does: open packet first, {@code 40} to connect, {@code 42["msg",...]} to the whole room,
 * pings the clients must answer. Every message reaches every member of its room once, none is reported lost, and
 * the pings were answered.
 */
class SocketIoModeTest {
  private final Vertx vertx = Vertx.vertx();
  private final Map<String, Set<ServerWebSocket>> rooms = new HashMap<>();
  private final AtomicInteger pongs = new AtomicInteger();
  private final AtomicInteger beforeConnect = new AtomicInteger();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private int start() throws Exception {
    HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> {
      if (!ws.path().equals("/socket.io/") || !ws.query().contains("EIO=4") || !ws.query().contains("transport=websocket")) {
        ws.close((short) 1008, "not Engine.IO 4 over a WebSocket");
        return;
      }
      String room = ws.query().replaceAll(".*room=([^&]*).*", "$1");
      boolean[] connected = {false};
      ws.writeTextMessage("0{\"sid\":\"e1\",\"upgrades\":[],\"pingInterval\":300,\"pingTimeout\":2000,\"maxPayload\":1000000}");
      long ping = vertx.setPeriodic(300, t -> ws.writeTextMessage("2"));
      ws.closeHandler(v -> {
        vertx.cancelTimer(ping);
        rooms.getOrDefault(room, Set.of()).remove(ws);
      });
      ws.textMessageHandler(text -> {
        if (text.equals("3")) {
          pongs.incrementAndGet();
        } else if (text.equals("40")) {
          connected[0] = true;
          rooms.computeIfAbsent(room, r -> new HashSet<>()).add(ws);
          ws.writeTextMessage("40{\"sid\":\"s1\"}");
        } else if (text.startsWith("42[\"msg\",")) {
          if (!connected[0]) {
            beforeConnect.incrementAndGet();
            return;
          }
          rooms.get(room).forEach(member -> member.writeTextMessage(text));
        }
      });
    });
    return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
  }

  @Test
  void everyMessageReachesItsWholeRoomAndPingsAreAnswered(@TempDir Path out) throws Exception {
    int port = start();
    Plan plan = Plan.parse("--scenario", "fanout", "--protocol", "socketio", "--url", "ws://127.0.0.1:" + port + "/socket.io/",
        "--connections", "40", "--groups", "4", "--rate", "40", "--seconds", "2", "--warmup", "0", "--ramp", "200",
        "--sources", "127.0.0.1", "--java-options", "-Xmx128m", "--settle", "10", "--out", out.toString());
    JsonObject r = LoadTest.run(plan, new PrintStream(OutputStream.nullOutputStream()));
    assertEquals(40, r.getLong("connectionsReached"), r.encodePrettily());
    assertTrue(r.getLong("sent") > 0, r.encodePrettily());
    assertEquals(0, r.getLong("lost"), r.encodePrettily());
    assertEquals(0, r.getLong("duplicates"), r.encodePrettily());
    assertEquals(r.getLong("acked") * 10, r.getLong("deliveries"), "each message to its 10 members: " + r.encodePrettily());
    assertEquals(0, beforeConnect.get(), "no message before the namespace was connected");
    assertTrue(pongs.get() > 0, "pings answered");
  }
}
