package chat.gateway.suite.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.OnRedis;
import chat.gateway.testing.TestNode;
import chat.gateway.testing.Tools;
import chat.gateway.testing.WsProbe;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.Yaml;

/** The deployment files parse, reference what exists, and agree with what the gateway exports. */
@ExtendWith(OnRedis.class)
class DeploymentFilesTest {
  private static final Path REPO = Tools.repo();

  private static String read(String path) throws IOException {
    return Files.readString(REPO.resolve(path));
  }

  @Test
  void everyHaproxyConfigurationIsValid() throws IOException {
    Tools.Result compose = Tools.run(List.of("haproxy", "-c", "-f", "haproxy/haproxy.cfg", "-f", "haproxy/compose.cfg"),
        null, Map.of());
    assertEquals(0, compose.exit(), compose.output());
    Path local = Files.createTempFile("backend", ".cfg");
    Files.writeString(local, "backend gateways\n    server gw-1 127.0.0.1:8081 check port 9091\n");
    Tools.Result cluster = Tools.run(List.of("haproxy", "-c", "-f", "haproxy/haproxy.cfg", "-f", local.toString()), null,
        Map.of("PUBLIC_BIND", "127.0.0.1:18080", "STATS_BIND", "127.0.0.1:18404"));
    assertEquals(0, cluster.exit(), cluster.output());
  }

  /** The networks a compose service joins, written as a list or as a map. */
  @SuppressWarnings("unchecked")
  private static Set<String> networksOf(Map<String, Object> service) {
    Object networks = service.get("networks");
    return networks instanceof Map<?, ?> map ? (Set<String>) map.keySet()
        : new TreeSet<>(((List<Object>) networks).stream().map(Object::toString).toList());
  }

  /** The default of a {@code ${NAME:-default}} reference, or the text itself. */
  private static String composeDefault(String value) {
    Matcher m = Pattern.compile("\\$\\{[A-Z_]+:-(.*)}").matcher(value);
    return m.matches() ? m.group(1) : value;
  }

  private static long seconds(String duration) {
    return Long.parseLong(duration.replace("s", ""));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theComposeFileIsSafeByDefaultAndReferencesOnlyWhatExists() throws IOException {
    Map<String, Object> compose = new Yaml().load(read("docker-compose.yml"));
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
    Set<String> byDefault = new java.util.HashSet<>();
    services.forEach((name, service) -> {
      if (!service.containsKey("profiles")) {
        byDefault.add(name);
      } else {
        assertEquals(List.of("redis-cluster"), service.get("profiles"), name);
      }
    });
    assertEquals(Set.of("secrets", "redis", "gateway", "haproxy", "prometheus", "grafana"), byDefault);
    Map<String, Object> networks = (Map<String, Object>) compose.get("networks");
    services.forEach((name, service) -> {
      Object dependsOn = service.get("depends_on");
      if (dependsOn instanceof Map<?, ?> deps) {
        deps.keySet().forEach(d -> assertTrue(services.containsKey(d), name + " depends on missing " + d));
      }
      for (Object volume : (List<Object>) service.getOrDefault("volumes", List.of())) {
        String source = volume.toString().split(":")[0];
        if (source.startsWith("./")) {
          assertTrue(Files.exists(REPO.resolve(source)), name + " mounts missing " + source);
        }
      }
      String image = service.get("image").toString();
      assertTrue(image.matches("\\$\\{[A-Z_]+_IMAGE:-[^}]+}"), name + ": image names are variables: " + image);
      for (String network : networksOf(service)) {
        assertTrue(networks.containsKey(network), name + " joins missing network " + network);
      }
      // hardened: a read-only root filesystem, no capabilities (the secrets init gets back what chown needs),
      // no privilege gain
      assertEquals(Boolean.TRUE, service.get("read_only"), name + " has a writable root filesystem");
      assertEquals(List.of("ALL"), service.get("cap_drop"), name + " keeps capabilities");
      assertEquals(List.of("no-new-privileges:true"), service.get("security_opt"), name);
      if (!name.equals("secrets")) {
        assertFalse(service.containsKey("cap_add"), name + " adds capabilities");
      }
      // every published port binds loopback by default (PUBLIC_BIND, GRAFANA_BIND)
      for (Object port : (List<Object>) service.getOrDefault("ports", List.of())) {
        String spec = port.toString();
        String bind = composeDefault(spec.substring(0, spec.lastIndexOf(':')));
        assertTrue(bind.startsWith("127.0.0.1:"), name + " publishes " + spec + " beyond this machine by default");
      }
    });
    assertFalse(services.get("gateway").containsKey("ports"), "management ports are never published");
    // the management network: internal, joined by the gateways, HAProxy and Prometheus only
    assertEquals(Boolean.TRUE, ((Map<String, Object>) networks.get("mgmt")).get("internal"));
    Set<String> onMgmt = new TreeSet<>();
    services.forEach((name, service) -> {
      if (networksOf(service).contains("mgmt")) {
        onMgmt.add(name);
      }
    });
    assertEquals(Set.of("gateway", "haproxy", "prometheus"), onMgmt);
    // secrets: none in the file, every one read from a file; Grafana's admin password set
    Map<String, Object> env = (Map<String, Object>) services.get("gateway").get("environment");
    for (String secret : List.of("API_KEY", "ADMIN_TOKEN", "JWT_SECRET", "REDIS_PASSWORD")) {
      assertFalse(env.containsKey(secret), secret + " in the compose file");
      assertTrue(env.containsKey(secret + "_FILE"), secret + "_FILE not set");
    }
    assertTrue(((Map<String, Object>) services.get("grafana").get("environment"))
        .containsKey("GF_SECURITY_ADMIN_PASSWORD__FILE"));
    // the gateways are told every address HAProxy publishes them on, plain and TLS: dev sign-in follows it
    List<String> published = ((List<Object>) services.get("haproxy").get("ports")).stream()
        .map(port -> port.toString().substring(0, port.toString().lastIndexOf(':'))).toList();
    assertEquals(published, List.of(env.get("PUBLIC_BIND").toString().split(",")));
    // each service gets only its own secrets: a volume per service, mounted by it (and the init that makes them)
    Map<String, Set<String>> secretVolumes = Map.of("gateway-secrets", Set.of("secrets", "gateway"),
        "grafana-secrets", Set.of("secrets", "grafana"),
        "redis-secrets", Set.of("secrets", "redis", "redis-cluster-1", "redis-cluster-2", "redis-cluster-3",
            "redis-cluster-4", "redis-cluster-5", "redis-cluster-6", "redis-cluster-init"));
    secretVolumes.forEach((volume, users) -> {
      Set<String> mounting = new TreeSet<>();
      services.forEach((name, service) -> {
        for (Object v : (List<Object>) service.getOrDefault("volumes", List.of())) {
          if (v.toString().startsWith(volume + ":")) {
            mounting.add(name);
          }
        }
      });
      assertEquals(new TreeSet<>(users), mounting, volume + " is mounted by exactly its service");
    });
    // Redis: its users from redis/users.conf (default user off), the gateways signed in as "gateway"
    assertTrue(services.get("redis").get("command").toString().contains("/run/redis-secrets/users.conf"));
    assertTrue(read("redis/users.conf").contains("\nuser default off\n"));
    // every Redis bounded and never evicting what was acknowledged (a list's items, or one shell line)
    for (String redis : List.of("redis", "redis-cluster-1")) {
      String command = services.get(redis).get("command").toString().replace(", ", " ");
      assertTrue(command.contains("--maxmemory ${REDIS_MAXMEMORY:-2gb} --maxmemory-policy noeviction"), redis);
    }
    assertEquals("gateway", env.get("REDIS_USER"));
    // stops: a gateway gets longer than its drain, HAProxy longer than its hard-stop-after
    long drain = seconds(composeDefault(env.get("DRAIN_WINDOW").toString()));
    assertTrue(seconds(composeDefault(services.get("gateway").get("stop_grace_period").toString())) > drain);
    Matcher hardStop = Pattern.compile("hard-stop-after (\\d+)s").matcher(read("haproxy/haproxy.cfg"));
    assertTrue(hardStop.find());
    assertTrue(seconds(composeDefault(services.get("haproxy").get("stop_grace_period").toString()))
        > Long.parseLong(hardStop.group(1)));
    // memory and file limits that fit a machine where dockerd cannot raise them
    assertTrue(services.get("gateway").containsKey("mem_limit"), "the heap follows a memory limit");
    for (String name : List.of("gateway", "haproxy")) {
      String nofile = composeDefault(((Map<String, Object>) services.get(name).get("ulimits")).get("nofile").toString());
      assertTrue(Long.parseLong(nofile) <= 20_000, name + " nofile " + nofile);
    }
    assertTrue(((List<Object>) services.get("prometheus").get("volumes")).stream()
        .anyMatch(v -> v.toString().startsWith("prometheus-data:")), "Prometheus keeps a named volume");
    Map<String, Object> build = (Map<String, Object>) services.get("gateway").get("build");
    assertTrue(Files.exists(REPO.resolve(build.get("dockerfile").toString())));
    Map<String, Object> gatewayDeps = (Map<String, Object>) services.get("gateway").get("depends_on");
    assertEquals("service_healthy", ((Map<String, Object>) gatewayDeps.get("redis")).get("condition"));
    String dockerfile = read("gateway-node/Dockerfile");
    assertTrue(dockerfile.contains("HEALTHCHECK"), "haproxy waits on the gateway's health");
    assertTrue(dockerfile.indexOf("ARG BUILD_IMAGE") < dockerfile.indexOf("FROM ${BUILD_IMAGE}"));
    assertTrue(dockerfile.contains("FROM ${RUNTIME_IMAGE}"));
    assertTrue(read(".dockerignore").contains("**/target"), "the build context leaves out build output");
  }

  @Test
  void prometheusConfigurationIsValid() {
    Tools.Result result = Tools.run(List.of("promtool", "check", "config", "prometheus/prometheus.yml"), null, Map.of());
    assertEquals(0, result.exit(), result.output());
  }

  @Test
  void theStoreMemoryAlertsFireAsTheirUnitTestSays() throws IOException {
    Tools.Result result = Tools.run(List.of("promtool", "test", "rules", "prometheus/alerts.test.yml"), null, Map.of());
    assertEquals(0, result.exit(), result.output());
    assertTrue(read("docker-compose.yml").contains("./prometheus/alerts.yml:/etc/prometheus/alerts.yml"),
        "compose mounts the rules Prometheus loads");
  }

  @Test
  void theDashboardLoadsWithTheProvisionedDatasource() throws IOException {
    JsonObject dashboard = new JsonObject(read("grafana/dashboards/chat-gateway.json"));
    Map<String, Object> datasources = new Yaml().load(read("grafana/provisioning/datasources/prometheus.yml"));
    String uid = (String) ((List<Map<String, Object>>) datasources.get("datasources")).get(0).get("uid");
    JsonArray panels = dashboard.getJsonArray("panels");
    assertTrue(panels.size() >= 15);
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      assertEquals(uid, panel.getJsonObject("datasource").getString("uid"), panel.getString("title"));
      assertFalse(panel.getJsonArray("targets").isEmpty(), panel.getString("title"));
    }
  }

  /** Every gateway metric a panel queries, by name (HAProxy's are checked against a live HAProxy in LocalClusterIT). */
  static Set<String> dashboardMetrics(String prefixPattern) throws IOException {
    JsonObject dashboard = new JsonObject(read("grafana/dashboards/chat-gateway.json"));
    Pattern name = Pattern.compile("\\b(" + prefixPattern + ")[a-z0-9_]*");
    Set<String> names = new TreeSet<>();
    for (Object p : dashboard.getJsonArray("panels")) {
      for (Object t : ((JsonObject) p).getJsonArray("targets")) {
        Matcher m = name.matcher(((JsonObject) t).getString("expr"));
        while (m.find()) {
          names.add(m.group());
        }
      }
    }
    return names;
  }

  @Test
  void aLiveNodesMetricsPassPromtoolAndFeedEveryPanel() throws IOException {
    // with a webhook (its receiver away: the events wait), so that the webhook panels' series exist too
    try (TestNode node = TestNode.start("CANARY_INTERVAL", "200ms", "WEBHOOK_URL", "http://127.0.0.1:9/events",
        "WEBHOOK_SECRET", "dashboard-test-webhook-secret-32-bytes!!")) {
      WsProbe alice = node.connected("alice");
      alice.send("{\"type\":\"send\",\"seq\":1,\"channel\":\"user/alice\",\"body\":1}");
      alice.next("message");
      System.gc();
      chat.gateway.testing.Await.until("every metric of the dashboard exported", () -> {
        String body = node.management(HttpMethod.GET, "/metrics").body();
        try {
          return dashboardMetrics("chat_|jvm_|vertx_|process_").stream().allMatch(body::contains);
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      });
      String metrics = node.management(HttpMethod.GET, "/metrics").body();
      Tools.Result result = Tools.run(List.of("promtool", "check", "metrics"), metrics, Map.of());
      assertEquals(0, result.exit(), result.output());
    }
  }
}
