package chat.loadtest;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run does, the same in the coordinator and in every worker: who client {@code i} is, what it
 * joins, whether and where it sends, and who must receive what it sends. Built from {@code --name value}
 * arguments; a worker gets the coordinator's arguments plus its slice.
 *
 * <p>Scenarios: {@code idle} (connect, hold, count closes), {@code fanout} (N members in G groups, the first
 * member of each group sends), {@code dm} (every client sends to the next one), {@code broadcast} (client
 * 0 sends to everyone), {@code storm} (fanout, and a node is killed or drained mid-run).
 */
public record Plan(
    String scenario,
    URI url,
    Path caFile,
    int connections,
    int groups,
    double rate,
    int seconds,
    int warmupSeconds,
    int rampPerSecond,
    List<String> sources,
    int perWorker,
    String runId,
    Path out,
    Map<String, Long> watch,
    int stormAtSeconds,
    String stormKill,
    String stormDrain,
    String stormRun,
    int settleSeconds,
    boolean memberBatches,
    Protocol protocol,
    int typingPercent,
    List<String> javaOptions,
    int worker,
    int workers,
    List<String> arguments) {

  static final List<String> SCENARIOS = List.of("idle", "fanout", "dm", "broadcast", "storm");

  static final String USAGE = """
      java -jar load-tester.jar --scenario idle|fanout|dm|broadcast|storm [options]
        --url ws://127.0.0.1:8080/ws   the gateway (or HAProxy) WebSocket endpoint; wss://... for TLS
        --ca-file edge.crt             wss: PEM certificates to trust (default: the JVM's authorities)
        --connections 2000             clients
        --groups 20                    groups (fanout, storm)
        --rate 100                     messages per second, all senders together (open loop)
        --seconds 30                   how long the scenario runs after every client is connected
        --warmup 3                     seconds at the start not counted in latency
        --ramp 1000                    new connections per second, all workers together
        --sources 127.0.0.2-127.0.0.9  source addresses, a range or a comma-separated list
        --per-worker 15000             clients per worker process (one process may hold < 20,000 files)
        --out bench/results/run        report directory (report.json, summary.txt, latency.png)
        --watch gw-1=PID,haproxy=PID   processes whose CPU and RSS are sampled every second
        --storm-at 15                  storm: when to act, in seconds after the start
        --storm-kill PID               storm: SIGKILL this process (a node)
        --storm-drain URL              storm: POST to this URL (e.g. a node's /admin/drain)
        --storm-run 'COMMAND'          storm: run this shell command (e.g. restart Redis); its output
                                       is printed, and the run goes on while it runs
        --settle 10                    longest wait, after the last send, for outstanding deliveries
        --member-batches yes           ask for member_batches at connect (one members frame per group per interval)
        --typing 0                     percent of the clients that send a typing frame in their group every second
                                       (fanout, storm); typing frames received are counted
        --protocol v1                  v1 (this gateway's protocol), socketio (a Socket.IO 4 server's rooms over a
                                       WebSocket, --url ws://host:port/socket.io/), or plain: a chat-room server's plain text
                                       frames to URL?room=GROUP, each delivered to the whole room (go-hub);
                                       there is no ack, so a message written counts as acked
        --java-options "-Xmx2g"        JVM options of the worker processes
      Exit status: 0, or 1 when an acked message was lost, 2 on a usage error.""";

  /** Client {@code i}'s user id. */
  String user(int i) {
    return "lt" + runId + "u" + i;
  }

  /** Client {@code i}'s group, for the scenarios with groups. */
  String group(int i) {
    return "group/lt" + runId + "g" + (i % groups);
  }

  boolean joinsGroup() {
    return scenario.equals("fanout") || scenario.equals("storm");
  }

  boolean sends(int i) {
    return switch (scenario) {
      case "fanout", "storm" -> i < groups;
      case "broadcast" -> i == 0;
      case "dm" -> connections > 1;
      default -> false;
    };
  }

  int senders() {
    return switch (scenario) {
      case "fanout", "storm" -> groups;
      case "broadcast" -> 1;
      case "dm" -> connections > 1 ? connections : 0;
      default -> 0;
    };
  }

  /** Where sender {@code i} sends. */
  String target(int i) {
    return switch (scenario) {
      case "fanout", "storm" -> group(i);
      case "broadcast" -> "broadcast";
      case "dm" -> "user/" + user((i + 1) % connections);
      default -> throw new IllegalStateException(scenario + " has no senders");
    };
  }

  /** How many clients must receive each message of sender {@code i} (a DM: the recipient and the sender). */
  int receiversOf(int i) {
    return switch (scenario) {
      case "fanout", "storm" -> connections / groups + (i % groups < connections % groups ? 1 : 0);
      case "broadcast" -> connections;
      case "dm" -> 2;
      default -> 0;
    };
  }

  /** Microseconds between two sends of one sender. */
  long intervalMicros() {
    return Math.max(1, Math.round(1e6 * senders() / rate));
  }

  boolean inSlice(int i) {
    return i % workers == worker;
  }

  int workersNeeded() {
    return Math.max(1, (connections + perWorker - 1) / perWorker);
  }

  /**
   * The arguments of worker {@code worker} of {@code workers}: this plan's own, with its run id fixed (a
   * default one would differ per process) and the slice added; later options win when parsed.
   */
  List<String> workerArguments(int worker, int workers) {
    List<String> args = new ArrayList<>(arguments);
    args.addAll(List.of("--run-id", runId, "--worker", Integer.toString(worker), "--workers", Integer.toString(workers)));
    return args;
  }

  static Plan parse(String... args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      options.put(args[i].substring(2), args[++i]);
    }
    String scenario = options.getOrDefault("scenario", "");
    if (!SCENARIOS.contains(scenario)) {
      throw new IllegalArgumentException("--scenario must be one of " + SCENARIOS + ", got '" + scenario + "'");
    }
    URI url = URI.create(options.getOrDefault("url", "ws://127.0.0.1:8080/ws"));
    if (!("ws".equals(url.getScheme()) || "wss".equals(url.getScheme())) || url.getHost() == null) {
      throw new IllegalArgumentException("--url must be ws://host:port/path or wss://host:port/path, got " + url);
    }
    Path caFile = options.containsKey("ca-file") ? Path.of(options.get("ca-file")) : null;
    if (caFile != null && (!"wss".equals(url.getScheme()) || !java.nio.file.Files.isReadable(caFile))) {
      throw new IllegalArgumentException("--ca-file needs a wss:// --url and a readable PEM file, got " + caFile);
    }
    int connections = positive(options, "connections", 2000);
    int groups = positive(options, "groups", 20);
    if ((scenario.equals("fanout") || scenario.equals("storm")) && groups > connections) {
      throw new IllegalArgumentException("--groups (" + groups + ") must not exceed --connections (" + connections + ")");
    }
    double rate = Double.parseDouble(options.getOrDefault("rate", "100"));
    if (!(rate > 0)) {
      throw new IllegalArgumentException("--rate must be positive, got " + rate);
    }
    String storm = options.get("storm-kill");
    String drain = options.get("storm-drain");
    String run = options.get("storm-run");
    long actions = java.util.stream.Stream.of(storm, drain, run).filter(java.util.Objects::nonNull).count();
    if (scenario.equals("storm") && actions != 1) {
      throw new IllegalArgumentException("storm needs exactly one of --storm-kill PID, --storm-drain URL and --storm-run COMMAND");
    }
    int seconds = positive(options, "seconds", 30);
    Map<String, Long> watch = new LinkedHashMap<>();
    for (String entry : options.getOrDefault("watch", "").split(",")) {
      if (!entry.isBlank()) {
        String[] nameAndPid = entry.split("=", 2);
        if (nameAndPid.length != 2) {
          throw new IllegalArgumentException("--watch takes name=pid pairs, got " + entry);
        }
        watch.put(nameAndPid[0], Long.parseLong(nameAndPid[1].trim()));
      }
    }
    return new Plan(scenario, url, caFile, connections, groups, rate, seconds,
        nonNegative(options, "warmup", Math.min(3, seconds / 4)), positive(options, "ramp", 1000),
        sources(options.getOrDefault("sources", "127.0.0.2-127.0.0.9")), positive(options, "per-worker", 15000),
        options.getOrDefault("run-id", Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36)),
        Path.of(options.getOrDefault("out", "bench/results/" + scenario)), watch,
        nonNegative(options, "storm-at", seconds / 2), storm, drain, run, nonNegative(options, "settle", 10),
        yesNo(options, "member-batches", true), protocol(options, scenario), typing(options, scenario), List.of(options.getOrDefault("java-options", "-Xmx2g").trim().split("\\s+")),
        nonNegative(options, "worker", 0), positive(options, "workers", 1), List.of(args));
  }

  private static int typing(Map<String, String> options, String scenario) {
    int percent = nonNegative(options, "typing", 0);
    if (percent > 100 || (percent > 0 && !scenario.equals("fanout") && !scenario.equals("storm"))) {
      throw new IllegalArgumentException("--typing is a percent (0-100) of the clients of a fanout or storm, got " + percent);
    }
    return percent;
  }

  /** Whether client {@code i} types in its group every second ({@code --typing}: spread evenly over the clients). */
  boolean types(int i) {
    return typingPercent > 0 && (i * typingPercent) / 100 != ((i + 1) * typingPercent) / 100;
  }

  private static Protocol protocol(Map<String, String> options, String scenario) {
    Protocol protocol = Protocol.of(options.getOrDefault("protocol", "v1"));
    if (protocol.rooms() && !scenario.equals("fanout") && !scenario.equals("idle")) {
      throw new IllegalArgumentException("--protocol " + protocol.wire + " has rooms only: scenario fanout or idle");
    }
    return protocol;
  }

  /** Whether clients speak TLS (wss://). */
  boolean tls() {
    return "wss".equals(url.getScheme());
  }

  /** The endpoint's port, the scheme's default where the URL names none. */
  int port() {
    return url.getPort() >= 0 ? url.getPort() : tls() ? 443 : 80;
  }

  /** The URI client {@code i} opens: the endpoint's path, and for a chat room's protocol its room. */
  String uri(int i) {
    String room = java.net.URLEncoder.encode(group(i), java.nio.charset.StandardCharsets.UTF_8);
    return switch (protocol) {
      case V1 -> url.getPath();
      case PLAIN -> url.getPath() + "?room=" + room;
      case SOCKETIO -> url.getPath() + "?EIO=4&transport=websocket&room=" + room;
    };
  }

  /** "127.0.0.2-127.0.0.9" or "127.0.0.2,127.0.0.3". */
  static List<String> sources(String spec) {
    List<String> sources = new ArrayList<>();
    for (String part : spec.split(",")) {
      String[] range = part.trim().split("-");
      if (range.length == 1) {
        sources.add(range[0]);
        continue;
      }
      String prefix = range[0].substring(0, range[0].lastIndexOf('.') + 1);
      int from = Integer.parseInt(range[0].substring(prefix.length()));
      int to = Integer.parseInt(range[1].substring(range[1].lastIndexOf('.') + 1));
      for (int last = from; last <= to; last++) {
        sources.add(prefix + last);
      }
    }
    return List.copyOf(sources);
  }

  private static int positive(Map<String, String> options, String name, int fallback) {
    int value = Integer.parseInt(options.getOrDefault(name, Integer.toString(fallback)));
    if (value <= 0) {
      throw new IllegalArgumentException("--" + name + " must be positive, got " + value);
    }
    return value;
  }

  private static boolean yesNo(Map<String, String> options, String name, boolean fallback) {
    String value = options.getOrDefault(name, fallback ? "yes" : "no");
    if (!value.equals("yes") && !value.equals("no")) {
      throw new IllegalArgumentException("--" + name + " takes yes or no, got " + value);
    }
    return value.equals("yes");
  }

  private static int nonNegative(Map<String, String> options, String name, int fallback) {
    int value = Integer.parseInt(options.getOrDefault(name, Integer.toString(fallback)));
    if (value < 0) {
      throw new IllegalArgumentException("--" + name + " must not be negative, got " + value);
    }
    return value;
  }
}
