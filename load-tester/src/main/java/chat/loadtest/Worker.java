package chat.loadtest;

import chat.protocol.client.Backoff;
import chat.protocol.client.Outbox;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One load-generating process: the clients of its slice of the plan, on one event loop. It talks to the
 * coordinator over its standard streams: it prints {@code PROGRESS connected=N} while it ramps and
 * {@code READY N} when its clients are connected (and joined), waits for {@code GO <epoch millis>} on
 * its input, runs the scenario, waits for outstanding acks and deliveries, writes its tally and prints
 * {@code RESULT <file>}.
 */
public final class Worker {
  /** The most a late ramp tick catches up ({@link #ramp}). */
  private static final long MAX_CATCH_UP_MILLIS = 100;

  private final Plan plan;
  private final Vertx vertx;
  private final List<WebSocketClient> clients = new ArrayList<>();
  private final List<Session> sessions = new ArrayList<>();
  private final List<Session> senders = new ArrayList<>();
  final Tally tally = new Tally();
  private final long clockBaseMicros = System.currentTimeMillis() * 1000;
  private final long clockBaseNanos = System.nanoTime();
  /** The tally as JSON, taken on the event loop when the run is over (the loop goes on touching the tally). */
  private final CompletableFuture<String> finished = new CompletableFuture<>();
  private long goMicros = Long.MAX_VALUE;
  private long endMicros = Long.MAX_VALUE;
  private long lastDeliveryMicros;
  /** The longest a delivery has taken so far (from when it was due): a pause shorter than it proves nothing. */
  private long slowestDeliveryMicros;
  private int ready;
  boolean stopping;

  private Worker(Plan plan) {
    this.plan = plan;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
    for (String source : plan.sources()) {
      WebSocketClientOptions options = new WebSocketClientOptions()
          .setLocalAddress(source)
          .setMaxConnections(plan.connections())
          .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20)
          .setTryUsePerMessageCompression(false).setTryUsePerFrameCompression(false)
          .setConnectTimeout(30_000);
      if (plan.caFile() != null) {
        options.setTrustOptions(new PemTrustOptions().addCertPath(plan.caFile().toString()));
      }
      clients.add(vertx.createWebSocketClient(options));
    }
    for (int i = 0; i < plan.connections(); i++) {
      if (plan.inSlice(i)) {
        Session session = new Session(this, plan, i);
        sessions.add(session);
        if (plan.sends(i)) {
          senders.add(session);
        }
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Plan plan = Plan.parse(args);
    Worker worker = new Worker(plan);
    try {
      Path result = worker.run();
      System.out.println("RESULT " + result);
      System.out.flush();
      System.exit(0);
    } catch (Exception | Error e) {
      // the coordinator sees the worker end without a result; its event loop must not keep it alive
      e.printStackTrace();
      System.exit(1);
    }
  }

  private Path run() throws IOException, InterruptedException {
    long rampStart = System.nanoTime();
    vertx.runOnContext(v -> ramp());
    vertx.setPeriodic(1000, id -> System.out.println("PROGRESS connected=" + ready));
    // every session's silence, a few times per second (heartbeats are seconds long)
    vertx.setPeriodic(250, id -> {
      long now = nowMillis();
      for (Session session : sessions) {
        session.checkSilence(now);
      }
    });
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    awaitReady();
    tally.rampSeconds = (System.nanoTime() - rampStart) / 1e9;
    System.out.println("READY " + ready);
    System.out.flush();
    String go = in.readLine();
    if (go == null || !go.startsWith("GO ")) {
      throw new IllegalStateException("expected GO <epoch millis> from the coordinator, got " + go);
    }
    long goMillis = Long.parseLong(go.substring(3).trim());
    vertx.runOnContext(v -> start(goMillis * 1000));
    String json = finished.join();
    Path file = plan.out().resolve("worker-" + plan.worker() + ".json");
    Files.createDirectories(plan.out());
    Files.writeString(file, json);
    return file;
  }

  // ---- ramp ----------------------------------------------------------------------------------

  /**
   * Opens this slice's connections at its share of the ramp rate, looking every 10 ms: as many as the time since the
   * last look asks for, so a tick that comes late (the worker's loop busy with the sessions it has) opens more instead
   * of slowing the ramp down; but at most {@value #MAX_CATCH_UP_MILLIS} ms worth, so a worker that stalled longer
   * ramps slower rather than opening a backlog at once into its own stall.
   */
  private void ramp() {
    double perMilli = plan.rampPerSecond() / (double) plan.workers() / 1000;
    double[] budget = {1};
    long[] last = {System.nanoTime()};
    int[] next = {0};
    vertx.setPeriodic(10, id -> {
      long now = System.nanoTime();
      budget[0] += perMilli * Math.min(MAX_CATCH_UP_MILLIS, (now - last[0]) / 1e6);
      last[0] = now;
      while (budget[0] >= 1 && next[0] < sessions.size()) {
        budget[0]--;
        sessions.get(next[0]++).connect();
      }
      if (next[0] >= sessions.size()) {
        vertx.cancelTimer(id);
      }
    });
  }

  private final Object readiness = new Object();

  void ready(Session session) {
    synchronized (readiness) {
      ready++;
      readiness.notifyAll();
    }
  }

  /** Waits until every session of the slice is ready, or the ramp has clearly failed (then reports what it has). */
  private void awaitReady() throws InterruptedException {
    long limitMillis = 60_000 + 3_000L * plan.connections() / plan.rampPerSecond();
    long deadline = System.currentTimeMillis() + limitMillis;
    synchronized (readiness) {
      while (ready < sessions.size() && System.currentTimeMillis() < deadline) {
        readiness.wait(Math.max(1, deadline - System.currentTimeMillis()));
      }
    }
  }

  // ---- the scenario --------------------------------------------------------------------------

  private void start(long goMicros) {
    this.goMicros = goMicros;
    this.endMicros = goMicros + plan.seconds() * 1_000_000L;
    long interval = plan.senders() == 0 ? 0 : plan.intervalMicros();
    for (Session sender : senders) {
      // Spread the senders' schedules evenly over one interval.
      sender.nextDueMicros = goMicros + interval * sender.index / Math.max(1, plan.senders());
    }
    if (!senders.isEmpty()) {
      vertx.setPeriodic(1, id -> {
        long now = nowMicros();
        boolean more = false;
        for (Session sender : senders) {
          while (sender.nextDueMicros <= now && sender.nextDueMicros < endMicros) {
            sender.send(sender.nextDueMicros);
            sender.nextDueMicros += interval;
          }
          more |= sender.nextDueMicros < endMicros;
        }
        if (!more) {
          vertx.cancelTimer(id);
        }
      });
    }
    List<Session> typists = sessions.stream().filter(s -> plan.types(s.index)).toList();
    if (!typists.isEmpty()) {
      // each typist once a second, spread over the second; until the end
      long every = Math.max(1, 1000 / typists.size());
      int[] next = {0};
      vertx.setPeriodic(every, id -> {
        if (nowMicros() >= endMicros) {
          vertx.cancelTimer(id);
          return;
        }
        int batch = Math.max(1, typists.size() / (int) Math.max(1, 1000 / every));
        for (int i = 0; i < batch; i++) {
          typists.get(next[0]++ % typists.size()).type();
        }
      });
    }
    long untilEnd = Math.max(1, (endMicros - nowMicros()) / 1000);
    vertx.setTimer(untilEnd, id -> settle(nowMicros() + plan.settleSeconds() * 1_000_000L));
  }

  /**
   * After the last send: done when every session is connected with nothing unacked and no delivery came
   * for a second and for as long as the slowest delivery so far took (under a backlog deliveries still on
   * their way pause longer than a second), or at the settle deadline (what is missing then is counted as
   * lost).
   */
  private void settle(long deadlineMicros) {
    vertx.setPeriodic(100, id -> {
      long now = nowMicros();
      boolean quiet = now - lastDeliveryMicros > Math.max(1_000_000, slowestDeliveryMicros)
          && sessions.stream().allMatch(s -> s.unacked.size() == 0 && (s.connected || s.gaveUp));
      if (quiet || now > deadlineMicros) {
        vertx.cancelTimer(id);
        stopping = true;
        finished.complete(tally.toJson().encode());
      }
    });
  }

  // ---- for sessions ----------------------------------------------------------------------------

  /** Whether the scenario has started (after the ramp). */
  boolean running() {
    return nowMicros() >= goMicros;
  }

  long nowMicros() {
    return clockBaseMicros + (System.nanoTime() - clockBaseNanos) / 1000;
  }

  /** Records a first delivery of sender s's message n, due at {@code dueMicros}. */
  void delivered(int sender, long n, long dueMicros) {
    long now = nowMicros();
    lastDeliveryMicros = now;
    slowestDeliveryMicros = Math.max(slowestDeliveryMicros, now - dueMicros);
    boolean measured = dueMicros >= goMicros + plan.warmupSeconds() * 1_000_000L;
    int second = (int) Math.max(0, (dueMicros - goMicros) / 1_000_000L);
    tally.delivered(sender, n, now - dueMicros, second, measured);
  }

  void connect(Session session, WebSocketConnectOptions options) {
    clients.get(session.index % clients.size()).connect(options).onComplete(ar -> {
      if (ar.succeeded()) {
        session.opened(ar.result());
      } else {
        tally.connectFailed(ar.cause(), Backoff.retryAfterSeconds(ar.cause()) > 0, running());
        session.retryAfterFailedConnect(ar.cause());
      }
    });
  }

  /** Monotonic milliseconds (for silence). */
  static long nowMillis() {
    return System.nanoTime() / 1_000_000;
  }

  void later(long millis, Runnable action) {
    vertx.setTimer(Math.max(1, millis), id -> action.run());
  }

  /** This worker's timers, for the sessions' outboxes. */
  Outbox.Timers timers() {
    return new Outbox.Timers() {
      @Override
      public long set(long delayMs, Runnable action) {
        return vertx.setTimer(Math.max(1, delayMs), id -> action.run());
      }

      @Override
      public void cancel(long id) {
        vertx.cancelTimer(id);
      }
    };
  }

  static long jitter(long capMillis) {
    return ThreadLocalRandom.current().nextLong(Math.max(1, capMillis));
  }
}
