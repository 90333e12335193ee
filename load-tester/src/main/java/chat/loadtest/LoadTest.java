package chat.loadtest;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The coordinator: starts the worker processes (one per {@code --per-worker} clients), waits until every
 * one has its clients connected, starts them together, acts in a storm, samples the processes it was
 * told to watch (and its workers), merges the workers' tallies and writes the report. Exits 1 when an
 * acked message was not delivered to every client that should have received it.
 */
public final class LoadTest {
  private LoadTest() {
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Plan plan;
    try {
      plan = Plan.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("load-tester: " + e.getMessage() + "\n" + Plan.USAGE);
      System.exit(2);
      return;
    }
    JsonObject report = run(plan, System.out);
    System.exit(report.getLong("lost") > 0 ? 1 : 0);
  }

  /** Runs the plan and returns its report (also written to the plan's out directory). */
  static JsonObject run(Plan plan, PrintStream log) throws IOException, InterruptedException {
    int workers = plan.workersNeeded();
    Files.createDirectories(plan.out());
    try (ProcessSampler sampler = new ProcessSampler(plan.watch())) {
      List<Process> processes = new ArrayList<>();
      List<CompletableFuture<Path>> results = new ArrayList<>();
      CountDownLatch ready = new CountDownLatch(workers);
      AtomicIntegerArray connected = new AtomicIntegerArray(workers);
      long rampStart = System.nanoTime();
      for (int w = 0; w < workers; w++) {
        Process p = startWorker(plan, w, workers);
        processes.add(p);
        sampler.watch("load-worker-" + w, p.pid());
        results.add(follow(p, w, ready, connected));
      }
      long deadline = 120 + 3L * plan.connections() / plan.rampPerSecond();
      while (!ready.await(5, TimeUnit.SECONDS)) {
        log.printf("ramping: %d connected%n", sum(connected));
        for (int w = 0; w < workers; w++) {
          if (results.get(w).isCompletedExceptionally()) {
            processes.forEach(Process::destroyForcibly);
            throw new IllegalStateException("worker " + w + " failed while ramping: "
                + lastLines(plan.out().resolve("worker-" + w + ".log")));
          }
        }
        if ((System.nanoTime() - rampStart) / 1_000_000_000L > deadline) {
          processes.forEach(Process::destroyForcibly);
          throw new IllegalStateException("the workers did not get ready within " + deadline + " s; logs in " + plan.out());
        }
      }
      double rampSeconds = (System.nanoTime() - rampStart) / 1e9;
      log.printf("%d connected in %.1f s; running %s for %d s%n", sum(connected), rampSeconds, plan.scenario(),
          plan.seconds());
      long go = System.currentTimeMillis() + 200;
      for (Process p : processes) {
        Writer in = p.outputWriter(StandardCharsets.UTF_8);
        in.write("GO " + go + "\n");
        in.flush();
      }
      CompletableFuture<Void> storm = storm(plan, go);
      Tally tally = new Tally();
      for (CompletableFuture<Path> result : results) {
        tally.add(Tally.fromJson(new JsonObject(Files.readString(result.join()))));
      }
      storm.join();
      JsonObject report = Report.json(plan, tally, tally.loss(plan), rampSeconds, sampler.toJson(), go);
      Report.write(plan.out(), report, tally);
      log.print(Report.summary(report));
      return report;
    }
  }

  private static Process startWorker(Plan plan, int worker, int workers) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(plan.javaOptions());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Worker.class.getName()));
    command.addAll(plan.workerArguments(worker, workers));
    return new ProcessBuilder(command)
        .redirectError(plan.out().resolve("worker-" + worker + ".log").toFile())
        .start();
  }

  /** Reads a worker's progress lines; completes with its result file. */
  private static CompletableFuture<Path> follow(Process p, int w, CountDownLatch ready, AtomicIntegerArray connected) {
    CompletableFuture<Path> result = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (line.startsWith("PROGRESS connected=")) {
            connected.set(w, Integer.parseInt(line.substring("PROGRESS connected=".length())));
          } else if (line.startsWith("READY ")) {
            connected.set(w, Integer.parseInt(line.substring(6).trim()));
            ready.countDown();
          } else if (line.startsWith("RESULT ")) {
            result.complete(Path.of(line.substring(7).trim()));
          }
        }
        result.completeExceptionally(new IllegalStateException("worker " + w + " ended (exit "
            + p.waitFor() + ") without a result; see its log"));
      } catch (IOException | InterruptedException e) {
        result.completeExceptionally(e);
      }
    }, "worker-" + w + "-reader");
    reader.setDaemon(true);
    reader.start();
    return result;
  }

  /** The storm's action at its time: SIGKILL a node, POST its drain URL, or run a command. */
  private static CompletableFuture<Void> storm(Plan plan, long goMillis) {
    if (!plan.scenario().equals("storm")) {
      return CompletableFuture.completedFuture(null);
    }
    long delay = Math.max(0, goMillis + plan.stormAtSeconds() * 1000L - System.currentTimeMillis());
    return CompletableFuture.runAsync(() -> {
      if (plan.stormKill() != null) {
        long pid = Long.parseLong(plan.stormKill());
        ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid + " to kill"))
            .destroyForcibly();
        System.out.printf("storm: killed process %d%n", pid);
      } else if (plan.stormRun() != null) {
        try {
          Process process = new ProcessBuilder("sh", "-c", plan.stormRun()).redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
          System.out.printf("storm: ran '%s' -> exit %d%n", plan.stormRun(), process.waitFor());
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException("storm: '" + plan.stormRun() + "' failed", e);
        }
      } else {
        try {
          HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(plan.stormDrain()))
              .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
          System.out.printf("storm: POST %s -> %d%n", plan.stormDrain(), response.statusCode());
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException("storm: POST " + plan.stormDrain() + " failed", e);
        }
      }
    }, CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS));
  }

  private static String lastLines(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
  }

  private static int sum(AtomicIntegerArray values) {
    int sum = 0;
    for (int i = 0; i < values.length(); i++) {
      sum += values.get(i);
    }
    return sum;
  }
}
