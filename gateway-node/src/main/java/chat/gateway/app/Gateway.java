package chat.gateway.app;

import chat.gateway.access.Permissions;
import chat.gateway.api.ApiRoutes;
import chat.gateway.auth.Authenticator;
import chat.gateway.cluster.Broker;
import chat.gateway.cluster.LocalFanout;
import chat.gateway.cluster.NodeControl;
import chat.gateway.config.GatewayConfig;
import chat.gateway.hook.Hooks;
import chat.gateway.management.ManagementServer;
import chat.gateway.metrics.GatewayMetrics;
import chat.gateway.registry.NodeInfo;
import chat.gateway.registry.SessionRegistry;
import chat.gateway.service.Chat;
import chat.gateway.service.Rebalance;
import chat.gateway.transport.Admission;
import chat.gateway.transport.GatewayVerticle;
import chat.gateway.transport.Hub;
import chat.gateway.transport.Hubs;
import chat.gateway.transport.TransportContext;
import chat.gateway.web.WebRoutes;
import chat.gateway.webhook.Webhooks;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * One gateway node: builds the components (in memory when no Redis is configured), deploys one
 * {@link GatewayVerticle} per event loop and the management server, and drains and stops in order.
 * Tests start several in one JVM; {@link GatewayMain} starts one per process.
 */
public final class Gateway {
  private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
  private static final long SWEEP_MILLIS = 60_000;

  private final GatewayConfig config;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final GatewayMetrics metrics;
  private final Broker broker;
  private final Chat chat;
  private final Hubs hubs;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final Promise<Void> drained = Promise.promise();
  private final ManagementServer management;
  private final TransportContext transport;
  private final Backends backends;
  private final Webhooks webhooks;
  private final ApiRoutes api;
  private final WebRoutes web;
  private final long startedAt;
  /** When the link to Redis was lost (0: it is up); past {@code REDIS_OUTAGE_GRACE} the node sheds its sessions. */
  private final AtomicLong outageSince = new AtomicLong();
  private final Clock clock;
  private int port;

  private Gateway(GatewayConfig config, Clock clock, UnaryOperator<Backends> decorate) {
    this.config = config;
    this.startedAt = clock.millis();
    this.clock = clock;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    lintClean(registry);
    this.vertx = Vertx.builder()
        .with(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(config.eventLoops()).setMetricsOptions(
            new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
                // the node's HTTP client calls hooks and key sets, timed by chat_hook_*: Vert.x's own per-request
                // client meters would cost every hook call again
                .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.HTTP_CLIENT)
                .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    this.metrics = new GatewayMetrics(registry, draining::get);
    LocalFanout fanout = new LocalFanout();
    Supplier<NodeInfo> self = () -> new NodeInfo(config.nodeId(), config.advertisedHost() + ":" + port, metrics.connections(),
        startedAt);
    this.backends = decorate.apply(config.embedded()
        ? Backends.memory(config, clock, fanout, metrics, self, NodeControl.of(this::drain, this::shed),
            Webhooks.memoryQueue(config.webhooks(), config.nodeId()))
        : Backends.redis(config, clock, vertx, fanout, metrics, self,
            new LinkEvents(this::linkLost, this::linkBack, this::lapsed, this::wentOffline), NodeControl.of(this::drain, this::shed)));
    this.broker = backends.broker();
    this.webhooks = Webhooks.deliver(config.webhooks(), backends.webhookEvents(), config.hooks().timeout(), vertx,
        metrics, clock, config.nodeId());
    Hooks hooks = Hooks.of(config.hooks(), vertx, metrics, config.nodeId(), config.maxMessageBytes());
    this.chat = Chat.of(backends.history(), backends.reads(), backends.membership(), backends.sessions(), broker, metrics, clock, config,
        fanout::watching, hooks);
    fanout.onMemberEvent(chat.presence()::changed);
    this.management = new ManagementServer(vertx, registry, this::ready, this::drain, config.adminToken());
    vertx.setPeriodic(SWEEP_MILLIS, id -> vertx.executeBlocking(() -> {
      backends.sweep().run();
      chat.sweep(clock.millis());
      return null;
    }));
    Admission admission = new Admission(config.admission(), clock);
    Authenticator authenticator = Authenticator.of(config.auth(), clock, vertx, hooks);
    Permissions permissions = new Permissions(config.access().openGroups(), config.access().presencePrivate(),
        authenticator::grantsJoin, backends.membership()::member, hooks.decidesJoins() ? hooks::join : null);
    this.transport = new TransportContext(config, chat, permissions, fanout, authenticator,
        metrics, clock, () -> !ready(), () -> !broker.available(), admission);
    this.hubs = new Hubs(fanout, clock, transport.tickMillis(), metrics, config.memberBatchInterval().toMillis(),
        admission);
    this.api = new ApiRoutes(chat, permissions, config.apiKey(), config.maxMessageBytes());
    this.web = new WebRoutes(config);
  }

  /** Starts a node; fails if a port is taken or the configuration is unusable. */
  public static Future<Gateway> start(GatewayConfig config, Clock clock) {
    return start(config, clock, UnaryOperator.identity());
  }

  /** Starts a node whose backends pass through {@code decorate} first (tests inject failures this way). */
  public static Future<Gateway> start(GatewayConfig config, Clock clock, UnaryOperator<Backends> decorate) {
    Gateway gateway;
    try {
      gateway = new Gateway(config, clock, decorate);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    // the failure may come on one of the node's event loops: close without waiting there
    return gateway.deploy().map(gateway).recover(e -> gateway.close().transform(closed -> {
      if (closed.failed()) {
        e.addSuppressed(closed.cause());
      }
      return Future.<Gateway>failedFuture(e);
    }));
  }

  private Future<Void> deploy() {
    // A fixed port is known now, so the registry's first heartbeat announces the right address; port 0
    // (tests) is known once the first server listens, and the next heartbeat carries it.
    port = config.port();
    return backends.start().get().compose(v -> deployServers()).onSuccess(v -> {
      webhooks.start();
      if (config.rebalanceAuto()) {
        rebalanceWhenNodesJoin();
      }
    });
  }

  private Future<Void> deployServers() {
    if (config.port() != 0) {
      return deployVerticles(transport, config.eventLoops());
    }
    // Port 0 (tests): the first instance takes a free port, the others join it with SO_REUSEPORT. Vert.x
    // shares a listening socket between instances only for a fixed port number, and probing for a free
    // port first would race with other processes.
    GatewayVerticle first = new GatewayVerticle(transport, this::mountRoutes, hubs, true);
    return vertx.deployVerticle(first).compose(id -> {
      port = first.actualPort();
      TransportContext bound = transport.withConfig(config.withPorts(port, config.mgmtPort()));
      return deployVerticles(bound, config.eventLoops() - 1);
    });
  }

  /** Everything public besides /ws: the API first, then the page and its files. */
  private void mountRoutes(Router router) {
    api.mount(router);
    web.mount(router);
  }

  private Future<Void> deployVerticles(TransportContext context, int instances) {
    Future<?> deployed = instances == 0 ? Future.succeededFuture() : vertx.deployVerticle(
        () -> new GatewayVerticle(context, this::mountRoutes, hubs, config.port() == 0),
        new DeploymentOptions().setInstances(instances));
    return deployed.compose(id -> management.listen(config.mgmtHost(), config.mgmtPort())).mapEmpty();
  }

  /**
   * Keeps /metrics clean for {@code promtool check metrics}: two JVM meters carry abbreviated units in
   * their names (ms, ns; process_cpu_usage covers the CPU) and one gauge ends in _count.
   */
  private static void lintClean(PrometheusMeterRegistry registry) {
    registry.config()
        .meterFilter(MeterFilter.deny(id -> id.getName().equals("jvm.compilation.time")
            || id.getName().equals("process.cpu.time")))
        .meterFilter(new MeterFilter() {
          @Override
          public Meter.Id map(Meter.Id id) {
            return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
          }
        });
  }

  public int port() {
    return port;
  }

  public int managementPort() {
    return management.actualPort();
  }

  public String nodeId() {
    return config.nodeId();
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Ready while not draining and the broker is live (in cluster mode: pub/sub subscribed, canary back). */
  public boolean ready() {
    return !draining.get() && broker.healthy();
  }

  /**
   * Stops taking clients ({@code /ready} 503, new handshakes 503) and closes every connection with 4100,
   * spread over the drain window. Idempotent; completes when every connection is closed.
   */
  public Future<Void> drain() {
    if (draining.compareAndSet(false, true)) {
      long window = config.drainWindow().toMillis();
      Future.all(hubs.all().stream().map(h -> h.drain(window)).toList()).<Void>mapEmpty().onComplete(drained);
    }
    return drained.future();
  }

  /**
   * Closes {@code count} connections (the oldest of each event loop, in proportion) with 4100 over the drain window,
   * still taking clients: a rebalance. Nothing while draining.
   */
  public void shed(int count) {
    if (draining.get() || count <= 0) {
      return;
    }
    long window = config.drainWindow().toMillis();
    List<Hub> loops = List.copyOf(hubs.all());
    int total = loops.stream().mapToInt(Hub::connections).sum();
    int left = Math.min(count, total);
    for (int i = 0; i < loops.size(); i++) {
      Hub hub = loops.get(i);
      // in proportion, the last loop taking what rounding left over, so that the shares add up to the count
      int share = i == loops.size() - 1 ? left
          : (int) Math.min(left, (long) count * hub.connections() / Math.max(1, total));
      left -= share;
      hub.shed(share, window);
    }
  }

  /**
   * REBALANCE=auto: every few seconds, when more nodes are live than at the last look (one joined), a node above the
   * average sheds its excess, then waits two drain windows before it would again.
   */
  private void rebalanceWhenNodesJoin() {
    long every = 5_000;
    long[] state = {0, 0}; // nodes seen last time, no shedding before (ms)
    vertx.setPeriodic(1, every, id -> chat.admin().cluster().onSuccess(nodes -> {
      long now = clock.millis();
      if (state[0] > 0 && nodes.size() > state[0] && now >= state[1]) {
        Integer excess = Rebalance.plan(nodes).get(config.nodeId());
        if (excess != null) {
          LOG.log(Level.INFO, "rebalance: " + nodes.size() + " nodes now, average " + Rebalance.average(nodes)
              + " connections: shedding " + excess);
          shed(excess);
          state[1] = now + 2 * config.drainWindow().toMillis() + every;
        }
      }
      state[0] = nodes.size();
    }));
  }

  /** Completes when a drain, whoever started it, has closed every connection. */
  public Future<Void> drained() {
    return drained.future();
  }

  public boolean draining() {
    return draining.get();
  }

  /**
   * Stops the backends (given 10 s), then closes servers, connections and the event loops. Never blocks the
   * calling thread, which may be one of the node's own event loops (a failed start cleans up from one).
   */
  public Future<Void> close() {
    webhooks.stop();
    Future<Void> stopped;
    try {
      stopped = backends.stop().get().timeout(10, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      stopped = Future.failedFuture(e);
    }
    // closing anyway if the backends did not stop: the registry forgets this node when its liveness expires
    return stopped.transform(v -> vertx.close());
  }

  private void wentOffline(String user) {
    chat.sessions().wentOffline(user);
  }

  /**
   * The link to Redis dropped: the node keeps its sessions ({@code /ready} is 503, requests are answered
   * {@code unavailable}, live events wait) for {@code REDIS_OUTAGE_GRACE}; if Redis is still away then, it
   * closes them with 4100 over {@code DRAIN_WINDOW} (clients resume elsewhere), stopping if Redis returns.
   */
  private void linkLost() {
    long now = Math.max(1, clock.millis());
    if (!outageSince.compareAndSet(0, now)) {
      return;
    }
    vertx.setTimer(Math.max(1, config.redis().outageGrace().toMillis()), id -> {
      if (outageSince.get() != now) {
        return;
      }
      LOG.log(Level.WARNING, "Redis has been away for " + config.redis().outageGrace().toSeconds()
          + " s (REDIS_OUTAGE_GRACE): closing the sessions with 4100 over " + config.drainWindow().toSeconds() + " s");
      for (Hub hub : hubs.all()) {
        hub.drain(config.drainWindow().toMillis(), "this node lost its link to the cluster; reconnect with resume",
            () -> outageSince.get() == now);
      }
    });
  }

  /**
   * The link is back and every channel's gap filled: sessions that closed meanwhile leave the registry,
   * and if the node's liveness expired meanwhile (another node's sweep took its sessions out, or Redis
   * came back without its data) the kept sessions go back in, with an {@code online} event for their
   * users: direct messages are routed by the registry.
   */
  private Future<Void> linkBack() {
    return putBack().onSuccess(v -> outageSince.set(0));
  }

  /**
   * A refresh found the node's liveness expired while its link stayed up (a pause past {@code NODE_TTL}: another
   * node may have swept its sessions). Unless an outage is under way (the link's return puts them back), the
   * sessions go back now, retried until they are.
   */
  private void lapsed() {
    if (outageSince.get() != 0) {
      return;
    }
    putBack().onFailure(e -> {
      LOG.log(Level.WARNING, "could not put the sessions back into the registry yet: " + e.getMessage());
      vertx.setTimer(1_000, id -> lapsed());
    });
  }

  /**
   * Puts back what the registry says the node owes ({@link SessionRegistry#announce}); a failure leaves it owed,
   * so the next attempt puts it back.
   */
  private Future<Void> putBack() {
    SessionRegistry registry = backends.sessions();
    return registry.announce()
        .compose(standing -> Future.all(hubs.all().stream().map(hub -> hub.registerAgain(standing)).toList()))
        .<Void>mapEmpty().onSuccess(v -> registry.settled());
  }
}
