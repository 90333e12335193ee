package chat.gateway.suite.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.TestNode;
import chat.gateway.testing.Tools;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart (deploy/helm/chat-gateway), without a Kubernetes cluster: every values file under ci/ renders, lints
 * and validates against the Kubernetes schemas of two minor versions and the custom resources' schemas (unknown
 * fields fail: deploy/helm/validate); what the chart promises by construction holds in what it renders; and a
 * running node answers where the chart's probes, Services, ServiceMonitor and autoscaler look.
 */
class HelmChartTest {
  private static final Path REPO = Tools.repo();
  private static final Path CHART = REPO.resolve("deploy/helm/chat-gateway");
  private static final Path VALIDATE = REPO.resolve("deploy/helm/validate");

  /** JAVA_OPTS of gateway-node/Dockerfile: the flags the memory figures were measured with. */
  private static String imageJavaOpts() {
    try {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("JAVA_OPTS=\"([^\"]*)\"")
          .matcher(Files.readString(REPO.resolve("gateway-node/Dockerfile")));
      assertTrue(m.find(), "JAVA_OPTS in the Dockerfile");
      return m.group(1);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
  private static final Path RENDERED = Path.of("target/helm");
  private static List<Path> valuesFiles;

  @BeforeAll
  static void valuesFiles() throws IOException {
    try (Stream<Path> files = Files.list(CHART.resolve("ci"))) {
      valuesFiles = files.filter(f -> f.toString().endsWith("-values.yaml")).sorted().toList();
    }
    assertTrue(valuesFiles.size() >= 5, "standalone, Sentinel, Cluster, HPA, KEDA, embedded: " + valuesFiles);
  }

  private static String render(Path values, Object... set) {
    var template = new Helm(CHART).template().withName("chat").withNamespace("chat").withValuesFile(values);
    for (int i = 0; i < set.length; i += 2) {
      template.set((String) set[i], set[i + 1]);
    }
    return template.call();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> objects(String rendered) {
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(rendered)) {
      if (doc != null) {
        objects.add((Map<String, Object>) doc);
      }
    }
    return objects;
  }

  private static Map<String, Object> find(List<Map<String, Object>> objects, String kind, String name) {
    return objects.stream().filter(o -> kind.equals(o.get("kind")) && name.equals(at(o, "metadata.name")))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  /** The value at a dotted path of maps (a number picks a list element). */
  @SuppressWarnings("unchecked")
  private static <T> T at(Object from, String path) {
    Object here = from;
    for (String part : path.split("\\.")) {
      here = here instanceof List<?> list ? list.get(Integer.parseInt(part)) : ((Map<String, Object>) here).get(part);
      if (here == null) {
        return null;
      }
    }
    return (T) here;
  }

  @Test
  void everyValuesFileRendersLintsAndValidatesAgainstTheSchemas() throws Exception {
    Files.createDirectories(RENDERED);
    List<String> command = new ArrayList<>(List.of("node", VALIDATE.resolve("validate.mjs").toString()));
    LintResult lint = new Helm(lintable()).lint().strict().call();
    assertFalse(lint.isFailed(), lint.getMessages().toString());
    for (Path values : valuesFiles) {
      Path out = RENDERED.resolve(values.getFileName().toString().replace("-values", ""));
      Files.writeString(out, render(values));
      command.add(out.toString());
    }
    assertTrue(Files.isDirectory(VALIDATE.resolve("node_modules")),
        "the schemas are npm packages: run `npm ci` in deploy/helm/validate (scripts/test.sh does)");
    Process validate = new ProcessBuilder(command).redirectErrorStream(true).start();
    String report = new String(validate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(validate.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, validate.exitValue(), report);
    assertEquals(valuesFiles.size(), report.lines().filter(l -> l.endsWith("valid")).count(), report);
  }

  /**
   * A copy of the chart (links resolved) whose defaults render: the defaults leave auth.mode for the user to choose
   * (the chart refuses to render without it), and helm lint takes no values file.
   */
  private static Path lintable() throws IOException {
    Path copy = RENDERED.resolve("lint/chat-gateway");
    try (Stream<Path> files = Files.walk(CHART)) {
      for (Path from : files.toList()) {
        Path to = copy.resolve(CHART.relativize(from).toString());
        if (Files.isDirectory(from)) {
          Files.createDirectories(to);
        } else {
          Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    Path values = copy.resolve("values.yaml");
    String defaults = Files.readString(values);
    assertTrue(defaults.contains("auth:\n  mode: \"\"\n"), "auth.mode has no default");
    Files.writeString(values, defaults.replace("auth:\n  mode: \"\"\n", "auth:\n  mode: dev\n"));
    return copy;
  }

  @Test
  void theGracePeriodCoversThePreStopSleepTheDrainAndTheNodesBoundedShutdown() {
    for (int[] drain : new int[][] {{5, 10, 5}, {3, 60, 10}}) {
      List<Map<String, Object>> objects = objects(render(valuesFiles.get(0), "drain.preStopSleepSeconds", drain[0],
          "drain.windowSeconds", drain[1], "drain.marginSeconds", drain[2]));
      Map<String, Object> pod = at(find(objects, "Deployment", "chat-chat-gateway"), "spec.template.spec");
      // the node bounds its shutdown to DRAIN_WINDOW + 15 s of drain and 10 s of closing (GatewayMain)
      assertEquals(drain[0] + drain[1] + 25 + drain[2], ((Number) pod.get("terminationGracePeriodSeconds")).intValue());
      Map<String, Object> gateway = at(pod, "containers.0");
      assertEquals(List.of("sleep", Integer.toString(drain[0])), at(gateway, "lifecycle.preStop.exec.command"));
      assertEquals(drain[1] + "s", env(gateway).get("DRAIN_WINDOW"));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> env(Map<String, Object> container) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
      env.put((String) e.get("name"), e.containsKey("value") ? String.valueOf(e.get("value"))
          : "<" + at(e, "valueFrom.fieldRef.fieldPath") + ">");
    }
    return env;
  }

  @Test
  void podsAreNamedAndSizedByConstructionAndSecretsAreFilesOnly() {
    for (Path values : valuesFiles) {
      List<Map<String, Object>> objects = objects(render(values));
      Map<String, Object> deployment = find(objects, "Deployment", "chat-chat-gateway");
      assertEquals(0, (Integer) at(deployment, "spec.strategy.rollingUpdate.maxUnavailable"), values.toString());
      Map<String, Object> gateway = at(deployment, "spec.template.spec.containers.0");
      Map<String, String> env = env(gateway);
      assertEquals("<metadata.name>", env.get("NODE_ID"));
      assertEquals("auto", env.get("REBALANCE"), "pods above the average shed their excess when one joins");
      assertEquals("<status.podIP>", env.get("ADVERTISE_HOST"));
      for (String secret : List.of("API_KEY", "ADMIN_TOKEN", "REDIS_PASSWORD", "JWT_SECRET", "HOOK_SECRET",
          "WEBHOOK_SECRET")) {
        assertFalse(env.containsKey(secret), values + ": " + secret + " is an env value, not a file");
      }
      assertTrue(env.get("API_KEY_FILE").startsWith("/run/secrets/chat/"), values.toString());
      // probes on the management port: /health for liveness and start, /ready for readiness
      assertEquals("/health", at(gateway, "livenessProbe.httpGet.path"));
      assertEquals("/health", at(gateway, "startupProbe.httpGet.path"));
      assertEquals("/ready", at(gateway, "readinessProbe.httpGet.path"));
      for (String probe : List.of("livenessProbe", "startupProbe", "readinessProbe")) {
        assertEquals("management", at(gateway, probe + ".httpGet.port"), probe);
      }
      // MAX_CONNECTIONS is the connections the memory was sized for: base + measured cost per connection
      int connections = Integer.parseInt(env.get("MAX_CONNECTIONS"));
      int request = Integer.parseInt(((String) at(gateway, "resources.requests.memory")).replace("Mi", ""));
      assertEquals(160 + connections * 12 / 1024, request, values.toString());
      assertEquals(imageJavaOpts(), env.get("JAVA_OPTS"), "the chart runs the JVM with the image's flags");
      // the management port is never on the public Service
      Map<String, Object> publicService = find(objects, "Service", "chat-chat-gateway");
      assertEquals(List.of("ws"), ((List<Map<String, Object>>) at(publicService, "spec.ports")).stream()
          .map(p -> p.get("name")).toList(), values.toString());
      assertEquals("management", at(find(objects, "Service", "chat-chat-gateway-management"), "spec.ports.0.name"));
      assertEquals(Boolean.TRUE, at(gateway, "securityContext.readOnlyRootFilesystem"));
      assertEquals(List.of("ALL"), at(gateway, "securityContext.capabilities.drop"));
      assertEquals("RuntimeDefault", at(deployment, "spec.template.spec.securityContext.seccompProfile.type"));
      List<Map<String, Object>> spread = at(deployment, "spec.template.spec.topologySpreadConstraints");
      assertEquals(List.of("kubernetes.io/hostname", "topology.kubernetes.io/zone"),
          spread.stream().map(c -> c.get("topologyKey")).toList(), "spread over hosts and zones");
      if (!values.toString().contains("embedded")) {
        assertEquals(1, (Integer) at(find(objects, "PodDisruptionBudget", "chat-chat-gateway"), "spec.maxUnavailable"));
      }
      assertEquals(Boolean.TRUE, at(deployment, "spec.template.spec.securityContext.runAsNonRoot"));
    }
  }

  @Test
  void theAutoscalersTargetConnectionsPerPodAndScaleDownSlowly() {
    Path cluster = CHART.resolve("ci/cluster-values.yaml");
    Map<String, Object> hpa = find(objects(render(cluster)), "HorizontalPodAutoscaler", "chat-chat-gateway");
    assertEquals("chat_connections", at(hpa, "spec.metrics.0.pods.metric.name"));
    assertEquals("7000", at(hpa, "spec.metrics.0.pods.target.averageValue"), "70 % of 10,000 connections per pod");
    assertTrue(((Number) at(hpa, "spec.behavior.scaleDown.stabilizationWindowSeconds")).intValue() >= 300);
    List<Map<String, Object>> keda = objects(render(CHART.resolve("ci/keda-values.yaml")));
    Map<String, Object> scaled = find(keda, "ScaledObject", "chat-chat-gateway");
    assertEquals("10500", at(scaled, "spec.triggers.0.metadata.threshold"), "70 % of 15,000");
    assertTrue(keda.stream().noneMatch(o -> "HorizontalPodAutoscaler".equals(o.get("kind"))));
  }

  @Test
  void valuesThatCannotWorkAreRefusedWithTheSettingsNamed() {
    Path embedded = CHART.resolve("ci/embedded-values.yaml");
    String none = assertThrows(IllegalStateException.class, () -> render(embedded, "auth.mode", "")).getMessage();
    assertTrue(none.contains("auth.mode: set jwt"), none);
    String many = assertThrows(IllegalStateException.class, () -> render(embedded, "replicas", 3)).getMessage();
    assertTrue(many.contains("replicas: 1"), many);
    String two = assertThrows(IllegalStateException.class,
        () -> render(CHART.resolve("ci/standalone-values.yaml"), "redis.cluster.nodes", "r:6379")).getMessage();
    assertTrue(two.contains("redis.url") && two.contains("redis.cluster.nodes"), two);
  }

  @Test
  void aRunningNodeAnswersWhereTheChartLooks() {
    try (TestNode node = TestNode.start()) {
      assertEquals(200, node.management(HttpMethod.GET, "/health").status(), "liveness and startup: /health");
      assertEquals(200, node.management(HttpMethod.GET, "/ready").status(), "readiness: /ready");
      String metrics = node.management(HttpMethod.GET, "/metrics").body();
      // the autoscalers' metric and the alert rules' series, on the port the ServiceMonitor scrapes
      assertTrue(metrics.contains("\nchat_connections "), "the HPA's Pods metric");
      Map<String, Object> monitor = find(objects(render(CHART.resolve("ci/standalone-values.yaml"))), "ServiceMonitor",
          "chat-chat-gateway");
      assertEquals("/metrics", at(monitor, "spec.endpoints.0.path"));
      assertNotNull(at(monitor, "spec.endpoints.0.port"));
    }
  }
}
