package chat.gateway.metrics;

import chat.protocol.CloseCode;
import chat.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Every meter of the gateway, defined here and nowhere else. Names follow
 * {@code chat_<subsystem>_<name>_<unit>}; labels are small fixed sets (frame types, codes, results),
 * never user, group or connection ids.
 */
public final class GatewayMetrics {
  private final MeterRegistry registry;
  private final AtomicLong connections = new AtomicLong();
  private final Map<String, Counter> framesIn = new ConcurrentHashMap<>();
  private final Map<String, Counter> framesOut = new ConcurrentHashMap<>();
  private final Map<String, Counter> handshakes = new ConcurrentHashMap<>();
  private final Map<String, Timer> redisOk = new ConcurrentHashMap<>();
  private final Map<String, Timer> redisFailed = new ConcurrentHashMap<>();
  private final Map<String, Counter> pubsubReceived = new ConcurrentHashMap<>();
  private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);
  private final Map<CloseCode, Counter> closes = new EnumMap<>(CloseCode.class);
  private final Counter deliveries;
  private final Counter pubsubReconnects;
  private final Counter accepted;
  private final Counter duplicates;
  private final Timer deliveryLatency;
  private final Timer eventLoopDelay;
  private LongSupplier webhookDropped;

  public GatewayMetrics(MeterRegistry registry, BooleanSupplier draining) {
    this.registry = registry;
    Gauge.builder("chat_connections", connections, AtomicLong::get)
        .description("Open client WebSocket connections").register(registry);
    Gauge.builder("chat_draining", () -> draining.getAsBoolean() ? 1 : 0)
        .description("1 while the node drains its connections").register(registry);
    for (ErrorCode code : ErrorCode.values()) {
      errors.put(code, Counter.builder("chat_errors").tag("code", code.wire())
          .description("Error frames sent, by code").register(registry));
    }
    for (CloseCode code : CloseCode.values()) {
      closes.put(code, Counter.builder("chat_closes").tag("code", Integer.toString(code.code()))
          .tag("reason", code.name().toLowerCase(java.util.Locale.ROOT))
          .description("Connections closed by the server, by close code").register(registry));
    }
    for (String type : new String[] {"connect", "join", "leave", "send", "history", "presence", "ping", "invalid"}) {
      framesIn.put(type, Counter.builder("chat_frames_in").tag("type", type)
          .description("Frames received from clients, by type").register(registry));
    }
    for (String type : new String[] {"connected", "joined", "left", "ack", "message", "history", "presence",
        "member", "members", "error", "pong"}) {
      frameOutCounter(type);
    }
    // Counters with a fixed set of labels are created at zero, so every series exists from the start.
    for (String result : new String[] {"ok", "forbidden_origin", "draining", "not_websocket", "failed",
        "refused_rate", "refused_pending", "refused_source", "refused_full", "refused_busy"}) {
      handshake(result, 0);
    }
    for (String kind : new String[] {"message", "member", "control", "canary"}) {
      pubsubCounter(kind);
    }
    for (String result : new String[] {"recovered", "lost"}) {
      gapRepaired(result, 0);
    }
    for (String result : new String[] {"own", "dead_node"}) {
      sweepCounter(result);
    }
    pubsubReconnects = Counter.builder("chat_pubsub_reconnects")
        .description("Times the pub/sub connection was lost and reconnected").register(registry);
    deliveries = Counter.builder("chat_deliveries").description("Messages written to client connections")
        .register(registry);
    accepted = Counter.builder("chat_messages_accepted").description("Messages stored and published")
        .register(registry);
    duplicates = Counter.builder("chat_messages_duplicate")
        .description("Sends that repeated an acknowledged (user, device, seq) and were acked again, not stored")
        .register(registry);
    deliveryLatency = Timer.builder("chat_delivery_latency")
        .description("From the server's accept time of a message to its write to recipients (a sample per "
            + "message per event loop)")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
    eventLoopDelay = Timer.builder("chat_eventloop_delay")
        .description("Lateness of each event loop's periodic tick (how long work waits for a busy loop)")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void connectionOpened() {
    connections.incrementAndGet();
  }

  public void connectionClosed() {
    connections.decrementAndGet();
  }

  public long connections() {
    return connections.get();
  }

  /**
   * {@code result}: ok (admitted and upgraded), forbidden_origin, draining, not_websocket, failed, and the
   * admission refusals refused_rate, refused_pending, refused_source, refused_full, refused_busy (HTTP 503
   * with Retry-After).
   */
  public void handshake(String result) {
    handshake(result, 1);
  }

  private void handshake(String result, int count) {
    handshakes.computeIfAbsent(result, r -> Counter.builder("chat_handshakes").tag("result", r)
        .description("WebSocket upgrade requests, by result").register(registry)).increment(count);
  }

  /** One frame received; types outside the protocol count as {@code invalid}. */
  public void frameIn(String type) {
    Counter counter = framesIn.get(type);
    (counter != null ? counter : framesIn.get("invalid")).increment();
  }

  public void frameOut(String type) {
    frameOutCounter(type).increment();
  }

  private Counter frameOutCounter(String type) {
    return framesOut.computeIfAbsent(type, t -> Counter.builder("chat_frames_out").tag("type", t)
        .description("Frames sent to clients, by type").register(registry));
  }

  /** One message frame written to a client, {@code ts} being its accept time. */
  public void delivered(long ts, long now) {
    delivered(ts, now, 1);
  }

  /**
   * {@code count} frames of one message written by one event loop in one go, {@code ts} being its accept
   * time: counted in full, with one latency sample (they were all written at {@code now}), so a fan-out
   * to a hundred sockets records its metrics once instead of a hundred times.
   */
  public void delivered(long ts, long now, int count) {
    if (count == 0) {
      return;
    }
    deliveries.increment(count);
    framesOut.get("message").increment(count);
    deliveryLatency.record(Math.max(0, now - ts), TimeUnit.MILLISECONDS);
  }

  public void error(ErrorCode code) {
    errors.get(code).increment();
    framesOut.get("error").increment();
  }

  public void closed(CloseCode code) {
    closes.get(code).increment();
  }

  public double closes(CloseCode code) {
    return closes.get(code).count();
  }

  /** A gauge defined by another component (kept here so that every meter is listed in one class). */
  public void gauge(String name, String description, java.util.function.DoubleSupplier value) {
    Gauge.builder(name, value::getAsDouble).description(description).register(registry);
  }

  /**
   * Memory the node's stores use and may use: {@code store} is {@code redis} (Redis's own figures) or
   * {@code embedded} (an estimate of the in-heap history and dedupe records, against EMBEDDED_STORE_BYTES).
   */
  public void storeMemory(String store, LongSupplier used, LongSupplier limit) {
    Gauge.builder("chat_store_memory_used_bytes", used::getAsLong).tag("store", store)
        .description("Memory the message and session stores use").register(registry);
    Gauge.builder("chat_store_memory_limit_bytes", limit::getAsLong).tag("store", store)
        .description("Memory the stores may use (Redis maxmemory, else the machine's memory)").register(registry);
  }

  /**
   * One call of the application's {@code hook} (connect, join, publish): {@code failure} null when it answered
   * as it must, else the failure's kind (timeout, connection, status, bad_answer, overloaded, open).
   */
  public void hookCall(String hook, String failure, long nanos) {
    Timer.builder("chat_hook_duration").tag("hook", hook)
        .description("Latency of hook calls, failed ones included").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    Counter.builder("chat_hook_calls").tag("hook", hook).description("Hook calls, by hook")
        .register(registry).increment();
    if (failure != null) {
      Counter.builder("chat_hook_failures").tag("hook", hook).tag("kind", failure)
          .description("Hook calls that did not answer as they must (never a yes), by hook and kind")
          .register(registry).increment();
    }
  }

  /** Webhook events that left the queue ({@code delivered} counts through {@link #webhookDelivered}): retried, dropped. */
  public void webhookEvents(String result, int count) {
    Counter.builder("chat_webhook_events").tag("result", result)
        .description("Webhook events delivered, tried again (per try) and dropped (too old, or past the backlog)")
        .register(registry).increment(count);
  }

  /** (1.1) A typing frame forwarded to the channel, or dropped (more than one per 2 s per session and channel). */
  public void typing(boolean forwarded) {
    Counter.builder("chat_typing_frames").tag("result", forwarded ? "forwarded" : "dropped")
        .description("Typing frames from clients, forwarded or dropped by the per-channel pace").register(registry)
        .increment();
  }

  /** (1.1) A read marker stored further on ({@code moved}), or a read of an earlier position that left it. */
  public void read(boolean moved) {
    Counter.builder("chat_read_markers").tag("result", moved ? "moved" : "kept")
        .description("Read markers from clients: moved forward, or kept where a later read had put them")
        .register(registry).increment();
  }

  /** Events delivered, each {@code millis[i]} after it happened. */
  public void webhookDelivered(long[] millis) {
    webhookEvents("delivered", millis.length);
    Timer latency = webhookLatency();
    for (long m : millis) {
      latency.record(m, TimeUnit.MILLISECONDS);
    }
  }

  private Timer webhookLatency() {
    return Timer.builder("chat_webhook_delivery_latency").description("From an event to its delivery to WEBHOOK_URL")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(24))
        .register(registry);
  }

  /** Webhook events waiting on this node's shard, and those dropped there because too many were waiting. */
  public void webhookWaiting(LongSupplier waiting, LongSupplier droppedForBacklog) {
    Gauge.builder("chat_webhook_waiting", waiting::getAsLong).description("Webhook events waiting for delivery")
        .register(registry);
    // a function counter holds its object weakly: this registry keeps it
    webhookDropped = droppedForBacklog;
    io.micrometer.core.instrument.FunctionCounter.builder("chat_webhook_backlog_dropped", droppedForBacklog,
            d -> d.getAsLong())
        .description("Webhook events dropped because WEBHOOK_MAX_BACKLOG were waiting").register(registry);
    for (String result : new String[] {"delivered", "retried", "dropped"}) {
      webhookEvents(result, 0);
    }
    webhookLatency(); // every series from the start
  }

  /** Whether {@code hook}'s circuit breaker is open (calls refused at once). */
  public void hookBreaker(String hook, BooleanSupplier open) {
    Gauge.builder("chat_hook_breaker_open", () -> open.getAsBoolean() ? 1 : 0).tag("hook", hook)
        .description("1 while the hook's circuit breaker is open after repeated failures").register(registry);
    Counter.builder("chat_hook_calls").tag("hook", hook).description("Hook calls, by hook").register(registry);
  }

  /** Hook calls this node has open now. */
  public void hookInFlight(java.util.function.IntSupplier inFlight) {
    Gauge.builder("chat_hook_in_flight", inFlight::getAsInt).description("Hook calls open on this node")
        .register(registry);
  }

  /** One Redis command or script, {@code name} being the command or script name (a fixed set). */
  public void redisCommand(String name, long nanos, boolean succeeded) {
    // every Redis command records here: the timer is looked up in a map of our own, not built and registered
    // (a tag list built and compared in the registry) each time
    (succeeded ? redisOk : redisFailed).computeIfAbsent(name, n -> Timer.builder("chat_redis_command")
        .tag("command", n).tag("result", succeeded ? "ok" : "failed")
        .description("Latency of Redis commands and scripts").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A Redis command connection {@code event}: connected, lost, scripts_reloaded (after SCRIPT FLUSH). */
  public void redisPipelineEvent(String event) {
    Counter.builder("chat_redis_connection_events").tag("event", event)
        .description("Redis command connections connected, lost, and reloading scripts Redis lost")
        .register(registry).increment();
  }

  /** One event received on this node's pub/sub connection; {@code kind}: message, member, control, canary. */
  public void pubsubReceived(String kind) {
    pubsubCounter(kind).increment();
  }

  public double pubsubReceivedCount(String kind) {
    return pubsubCounter(kind).count();
  }

  private Counter pubsubCounter(String kind) {
    return pubsubReceived.computeIfAbsent(kind, k -> Counter.builder("chat_pubsub_received").tag("kind", k)
        .description("Events this node received from the cluster's pub/sub").register(registry));
  }

  /** A subscriber connection dropped because its canary stayed out too long (it heard nothing). */
  public void pubsubDeaf() {
    Counter.builder("chat_pubsub_deaf").description("Subscriber connections dropped because no canary came back on them")
        .register(registry).increment();
  }

  public void pubsubReconnect() {
    pubsubReconnects.increment();
  }

  /**
   * Channels repaired after the link to Redis came back: {@code recovered} (the gap filled from history,
   * possibly with nothing missed) or {@code lost} (its history went away or back; its sessions were told).
   */
  public void gapRepaired(String result, int channels) {
    Counter.builder("chat_gap_repairs").tag("result", result)
        .description("Channels whose live gap was filled from history after the Redis link came back, by result")
        .register(registry).increment(channels);
  }

  public void canaryRoundTrip(long nanos) {
    Timer.builder("chat_pubsub_canary").description("Round trip of the canary through this node's own topic")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
        .maximumExpectedValue(Duration.ofSeconds(10)).register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** {@code result}: own (start-up clean-up of this node id) or dead_node. */
  public void registrySweep(String result) {
    sweepCounter(result).increment();
  }

  private Counter sweepCounter(String result) {
    return Counter.builder("chat_registry_sweeps").tag("result", result)
        .description("Sessions of a node removed from the registry at once").register(registry);
  }

  /** How late an event loop ran a periodic task: a busy or blocked loop delays everything on it. */
  public void eventLoopDelay(long millis) {
    eventLoopDelay.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  public void accepted(boolean duplicate) {
    (duplicate ? duplicates : accepted).increment();
  }
}
