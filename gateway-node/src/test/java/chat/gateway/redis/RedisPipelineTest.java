package chat.gateway.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.message.Position;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.testing.Await;
import chat.gateway.testing.CuttableProxy;
import chat.gateway.testing.RedisFixture;
import chat.gateway.testing.TestNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One pipelined connection to the test Redis, as the gateway's user: order, a flushed script cache, a Redis
 * that stops answering, a connection that drops.
 */
class RedisPipelineTest {
  private static final long TIMEOUT_MILLIS = 300;
  private final RedisFixture redis = RedisFixture.get();
  private final String prefix = TestNode.newPrefix();
  private final CuttableProxy proxy = CuttableProxy.to(redis.url());
  private Vertx vertx;
  private Context context;
  private RedisPipeline pipeline;

  @BeforeEach
  void connect() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    Map<String, String> settings = redis.nodeSettings();
    String user = settings.get("REDIS_USER");
    String url = user == null ? proxy.url()
        : proxy.url().replace("redis://", "redis://" + user + ":" + settings.get("REDIS_PASSWORD") + "@");
    Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolSize(4));
    pipeline = on(() -> new RedisPipeline(vertx, context, "test", client, RedisScript.ALL,
        new GatewayMetrics(new SimpleMeterRegistry(), () -> false), TIMEOUT_MILLIS, 1000, RedisPipeline.ALONE, 0, 1000));
    Await.result(pipeline.started());
  }

  @AfterEach
  void close() {
    Await.result(pipeline.close());
    Await.result(vertx.close());
    proxy.close();
  }

  private <T> T on(Supplier<T> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> result.complete(action.get()));
    return Await.result(result.future());
  }

  /** Submits {@code request} on the pipeline's loop; its answer. */
  private Future<Response> send(Request request, String key) {
    RedisCall call = new RedisCall(request, "test", key, 0, request.command() == Command.EVALSHA, false);
    context.runOnContext(v -> pipeline.submit(call));
    return call.promise.future();
  }

  private Future<Response> append(String stream, int n) {
    return send(Request.cmd(Command.XADD).arg(stream).arg("*").arg("n").arg(n), stream);
  }

  @Test
  void callsAreAnsweredInTheOrderGiven() {
    String stream = prefix + "order";
    List<Future<Response>> answers = new ArrayList<>();
    for (int n = 0; n < 2000; n++) {
      answers.add(append(stream, n));
    }
    String previous = "0-0";
    for (Future<Response> answer : answers) {
      String id = Await.result(answer).toString();
      assertTrue(Position.ofStreamId("", id).compareTo(Position.ofStreamId("", previous)) > 0, id + " after " + previous);
      previous = id;
    }
  }

  @Test
  void aFlushedScriptCacheIsLoadedAgainAndTheRefusedCallsRunInOrder() {
    String meta = prefix + "meta";
    redis.call("SCRIPT", "FLUSH");
    List<Future<Response>> answers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      answers.add(send(Request.cmd(Command.EVALSHA).arg(RedisScript.HEAD.sha()).arg(1).arg(meta).arg("epoch" + i)
          .arg(60_000), meta));
    }
    for (Future<Response> answer : answers) {
      assertEquals("epoch0", Await.result(answer).get(0).toString(), "the first one ran first");
    }
  }

  @Test
  void aCallRedisDoesNotAnswerFailsAtItsTimeoutAndTheNextOnesGoOn() {
    String stream = prefix + "paused";
    redis.call("CLIENT", "PAUSE", Long.toString(3 * TIMEOUT_MILLIS), "ALL");
    Throwable failure = Await.failure(append(stream, 1));
    assertTrue(failure.getMessage().contains("did not answer within " + TIMEOUT_MILLIS + " ms"), failure.getMessage());
    Await.until("Redis answers again", () -> append(stream, 2).transform(ar -> Future.succeededFuture(ar.succeeded()))
        .toCompletionStage().toCompletableFuture().join());
  }

  @Test
  void callsGivenWhileTheConnectionIsDownWaitForTheNextOne() {
    String stream = prefix + "reconnect";
    Await.result(append(stream, 0));
    proxy.cut();
    Await.until("the pipeline saw the connection drop", () -> !on(pipeline::connected));
    List<Future<Response>> answers = new ArrayList<>();
    for (int n = 1; n <= 10; n++) {
      answers.add(append(stream, n));
    }
    proxy.restore();
    for (Future<Response> answer : answers) {
      Await.result(answer);
    }
    assertEquals(11L, ((Number) redis.call("XLEN", stream)).longValue());
  }

  @Test
  void callsGivenWhileTheConnectionIsDownFailAtTheirTimeout() {
    String stream = prefix + "down";
    Await.result(append(stream, 0));
    proxy.cut();
    Await.until("the pipeline saw the connection drop", () -> !on(pipeline::connected));
    Throwable failure = Await.failure(append(stream, 1));
    assertTrue(failure.getMessage().contains("did not answer within"), failure.getMessage());
    proxy.restore();
    Await.until("connected again", () -> on(pipeline::connected));
    Await.result(append(stream, 2));
  }
}
