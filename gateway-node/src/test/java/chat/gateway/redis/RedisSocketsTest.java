package chat.gateway.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.PooledRedisConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the pipeline does to vertx-redis-client's connections beyond its API, checked against the client this
 * build ships: if an upgrade moves what it reaches into, these fail instead of the node silently flushing
 * every command on its own again.
 */
class RedisSocketsTest {
  private final RedisFixture redis = RedisFixture.get();
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  private RedisConnection connect() {
    Map<String, String> settings = redis.nodeSettings();
    String user = settings.get("REDIS_USER");
    String url = user == null ? redis.url()
        : redis.url().replace("redis://", "redis://" + user + ":" + settings.get("REDIS_PASSWORD") + "@");
    return Await.result(Redis.createClient(vertx, new RedisOptions().setConnectionString(url)).connect());
  }

  @Test
  void commandsWrittenInOneTurnAreFlushedTogetherAndAnsweredInOrder() {
    RedisConnection c = connect();
    assertTrue(RedisSockets.consolidateFlushes(c), "the flush consolidator could not be added");
    assertTrue(RedisSockets.consolidateFlushes(c), "a second call (a pooled connection handed out again) is harmless");
    String stream = TestNode.newPrefix() + "stream";
    Promise<List<Future<Response>>> sent = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      List<Future<Response>> replies = new ArrayList<>();
      for (int i = 0; i < 500; i++) { // more than one consolidated flush holds
        replies.add(RedisSockets.unreported(c).send(Request.cmd(Command.XADD).arg(stream).arg("*").arg("n").arg(i)));
      }
      sent.complete(replies);
    });
    List<Future<Response>> replies = Await.result(sent.future());
    Await.result(Future.all(replies));
    Response entries = Await.result(c.send(Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+")));
    assertEquals(500, entries.size());
    for (int i = 0; i < 500; i++) {
      assertEquals(replies.get(i).result().toString(), entries.get(i).get(0).toString());
      assertEquals(Integer.toString(i), entries.get(i).get(1).get(1).toString());
    }
    Await.result(c.send(Request.cmd(Command.DEL).arg(stream)));
  }

  @Test
  void theUnreportedConnectionIsTheOneUnderThePooledHandle() {
    RedisConnection c = connect();
    assertInstanceOf(PooledRedisConnection.class, c);
    assertNotSame(c, RedisSockets.unreported(c));
    assertEquals("PONG", Await.result(RedisSockets.unreported(c).send(Request.cmd(Command.PING))).toString());
  }
}
