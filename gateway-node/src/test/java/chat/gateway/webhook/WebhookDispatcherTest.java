package chat.gateway.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.config.WebhookConfig;
import chat.gateway.hook.HookSigner;
import chat.gateway.hook.SignedPost;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.testing.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WebhookDispatcherTest {
  private static final String SECRET = "a-webhook-secret-of-at-least-32-bytes!";

  @Test
  void retriesWaitHalfASecondDoublingToAMinuteWithJitter() {
    for (int i = 0; i < 200; i++) {
      long first = WebhookDispatcher.retryDelay(1);
      assertTrue(first >= 250 && first <= 500, "first retry: " + first);
      long third = WebhookDispatcher.retryDelay(3);
      assertTrue(third >= 1_000 && third <= 2_000, "third retry: " + third);
      long late = WebhookDispatcher.retryDelay(40);
      assertTrue(late >= 30_000 && late <= 60_000, "never past a minute: " + late);
    }
  }

  /**
   * The lease is still held when the batch is checked, and gone by the time the request would be written (the node
   * was paused while the connection was got): nothing reaches the receiver, and the batch is read again.
   */
  @Test
  void aLeaseLostWhileTheConnectionIsGotPostsNothing() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      AtomicInteger posts = new AtomicInteger();
      HttpServer receiver = vertx.createHttpServer().requestHandler(request -> {
        posts.incrementAndGet();
        request.response().end("{}");
      });
      int port = receiver.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
          .actualPort();
      LosingShard shard = new LosingShard();
      WebhookConfig config = new WebhookConfig(URI.create("http://127.0.0.1:" + port + "/events"), SECRET,
          EnumSet.allOf(WebhookConfig.Type.class), 5, Duration.ofHours(1), 1_000);
      SignedPost post = new SignedPost(vertx, vertx.createHttpClient(), new HookSigner(SECRET), config.url(), 5_000,
          1_024, "gw-a-webhook-");
      Context context = vertx.getOrCreateContext();
      WebhookDispatcher dispatcher = new WebhookDispatcher(shard, post, context, Clock.systemUTC(),
          new GatewayMetrics(new SimpleMeterRegistry(), () -> false), config);
      dispatcher.start();
      Await.until("the batch read again after the post was taken back", () -> shard.takes.get() >= 2);
      dispatcher.stop();
      assertEquals(0, posts.get(), "a node whose lease went while it got a connection posts nothing");
      assertEquals(0, shard.delivered.get(), "and removes nothing");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** One event waiting; the lease holds at the dispatcher's first look only; after it, another node delivers. */
  private static final class LosingShard implements WebhookShard {
    final AtomicInteger takes = new AtomicInteger();
    final AtomicInteger holdsAsked = new AtomicInteger();
    final AtomicInteger delivered = new AtomicInteger();

    @Override
    public Future<List<Waiting>> take(int max) {
      return takes.incrementAndGet() == 1
          ? Future.succeededFuture(List.of(new Waiting(0, "e-1", System.currentTimeMillis(),
              Buffer.buffer("{\"id\":\"e-1\"}"))))
          : Future.succeededFuture(null);
    }

    @Override
    public boolean holds() {
      return holdsAsked.incrementAndGet() == 1;
    }

    @Override
    public long standbyMillis() {
      return 60_000;
    }

    @Override
    public void delivered(List<Waiting> events) {
      delivered.addAndGet(events.size());
    }

    @Override
    public long waiting() {
      return 0;
    }

    @Override
    public long droppedForBacklog() {
      return 0;
    }

    @Override
    public void onRecord(Runnable signal) {
    }

    @Override
    public long pollMillis() {
      return 1_000;
    }
  }
}
