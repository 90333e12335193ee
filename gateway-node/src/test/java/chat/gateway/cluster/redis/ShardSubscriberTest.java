package chat.gateway.cluster.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When a subscription is confirmed, against a connection whose answers the test gives in the order Redis
 * would: each step runs on the subscriber's context, and the next step after the (un)subscriptions it asked
 * for went out.
 */
class ShardSubscriberTest {
  private Vertx vertx;
  private Context context;
  private final ScriptedConnection redis = new ScriptedConnection();
  private ShardSubscriber shard;

  @BeforeEach
  void connect() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    shard = on(() -> new ShardSubscriber(vertx, context, redis, "scripted", false, t -> 0, new Quiet()));
    on(() -> {
      shard.start();
      return null;
    });
    Await.until("connected", () -> redis.handler != null);
  }

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  @Test
  void aTopicWithdrawnAndAskedForAgainIsConfirmedOnlyByTheAnswerToTheLastSubscribe() {
    on(() -> shard.add("t"));
    on(() -> {
      shard.remove("t");
      return null;
    });
    Future<Void> again = on(() -> shard.add("t"));
    assertEquals(List.of("SUBSCRIBE", "UNSUBSCRIBE", "SUBSCRIBE"), redis.sent);

    answer("subscribe", "t"); // to the first subscribe: Redis has not processed the second one yet
    assertFalse(again.isComplete(), "confirmed before Redis subscribed again: what is published meanwhile is lost");
    answer("unsubscribe", "t");
    answer("subscribe", "t");
    assertTrue(again.succeeded());
  }

  @Test
  void anAnswerThatComesBeforeTheNextSubscribeIsSentConfirmsNothing() {
    on(() -> shard.add("t"));
    Future<Void> again = on(() -> {
      shard.remove("t");
      Future<Void> f = shard.add("t"); // in the same turn: only a subscribe goes out, after this
      redis.deliver("subscribe", "t"); // the answer to the first one arrives first
      return f;
    });
    assertFalse(again.isComplete(), "the second subscribe had not even been sent");
    answer("subscribe", "t");
    assertTrue(again.succeeded());
  }

  @Test
  void aSubscriptionWithdrawnBeforeItWasConfirmedCompletesItsWaiter() {
    Future<Void> wanted = on(() -> shard.add("t"));
    on(() -> {
      shard.remove("t");
      return null;
    });
    assertTrue(wanted.succeeded(), "nobody here wants the topic now: nothing to wait for, and nothing failed");
  }

  @Test
  void anErrorWhereAPushWasDueDropsTheConnectionToStartOver() {
    Future<Void> wanted = on(() -> shard.add("t"));
    on(() -> {
      redis.handler.handle(new Text(ResponseType.ERROR, "NOPERM this user has no permissions to access one of the channels",
          null));
      return null;
    });
    assertEquals(1, redis.closed, "no subscription is answered on that connection: it is closed, and made again");
    assertFalse(wanted.isComplete());
  }

  private void answer(String kind, String topic) {
    on(() -> {
      redis.deliver(kind, topic);
      return null;
    });
  }

  /** Runs {@code step} on the subscriber's context and returns its result once the turn is over. */
  private <T> T on(Supplier<T> step) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> done.complete(step.get()));
    T result = Await.result(done.future());
    Promise<Void> nextTurn = Promise.promise(); // what the step queued (a flush) has run
    context.runOnContext(v -> nextTurn.complete());
    Await.result(nextTurn.future());
    return result;
  }

  private static final class Quiet implements ShardSubscriber.Listener {
    @Override
    public void received(ShardSubscriber shard, String topic, String payload) {
    }

    @Override
    public void subscribed(ShardSubscriber shard) {
    }

    @Override
    public void lost(ShardSubscriber shard) {
    }

    @Override
    public void evicted(ShardSubscriber shard, String topic) {
    }
  }

  /** One pub/sub connection that records what is sent and answers only what the test delivers. */
  private static final class ScriptedConnection implements Redis, RedisConnection {
    final List<String> sent = new ArrayList<>();
    volatile Handler<Response> handler;
    volatile int closed;

    void deliver(String... push) {
      handler.handle(new Text(ResponseType.PUSH, null, push));
    }

    @Override
    public Future<RedisConnection> connect() {
      return Future.succeededFuture(this);
    }

    @Override
    public Future<Response> send(Request request) {
      Command command = request.command(); // a Request shows its command only; the tests use one topic
      sent.add(command == Command.SUBSCRIBE ? "SUBSCRIBE" : command == Command.UNSUBSCRIBE ? "UNSUBSCRIBE" : "OTHER");
      return Future.succeededFuture();
    }

    @Override
    public Future<List<Response>> batch(List<Request> requests) {
      requests.forEach(this::send);
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> close() {
      closed++;
      return Future.succeededFuture();
    }

    @Override
    public RedisConnection handler(Handler<Response> handler) {
      this.handler = handler;
      return this;
    }

    @Override
    public RedisConnection exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public RedisConnection endHandler(Handler<Void> handler) {
      return this;
    }

    @Override
    public RedisConnection pause() {
      return this;
    }

    @Override
    public RedisConnection resume() {
      return this;
    }

    @Override
    public RedisConnection fetch(long amount) {
      return this;
    }

    @Override
    public boolean pendingQueueFull() {
      return false;
    }
  }

  /** A push (its parts as bulk strings) or one bulk string. */
  private record Text(ResponseType type, String value, String[] parts) implements Response {
    @Override
    public int size() {
      return parts == null ? 0 : parts.length;
    }

    @Override
    public Response get(int index) {
      return new Text(ResponseType.BULK, parts[index], null);
    }

    @Override
    public String toString() {
      return value != null ? value : String.join(" ", parts);
    }
  }
}
