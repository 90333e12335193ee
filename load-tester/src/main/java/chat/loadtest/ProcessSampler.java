package chat.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples CPU (share of one core, from /proc/PID/stat) and RSS (/proc/PID/status) of named processes
 * once a second: the gateways, HAProxy, Redis, and the load generator's own workers.
 */
final class ProcessSampler implements AutoCloseable {
  private static final double TICKS_PER_SECOND = 100.0;

  private final Map<String, Series> series = new LinkedHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "process-sampler");
    t.setDaemon(true);
    return t;
  });

  private static final class Series {
    final long pid;
    final List<Double> cpu = new ArrayList<>();
    final List<Long> rssKb = new ArrayList<>();
    long lastTicks = -1;
    long lastNanos;

    Series(long pid) {
      this.pid = pid;
    }
  }

  ProcessSampler(Map<String, Long> processes) {
    processes.forEach(this::watch);
    timer.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
  }

  synchronized void watch(String name, long pid) {
    series.put(name, new Series(pid));
  }

  private synchronized void sample() {
    for (Series s : series.values()) {
      try {
        String[] stat = Files.readString(Path.of("/proc/" + s.pid + "/stat")).replaceFirst(".*\\) ", "").split(" ");
        long ticks = Long.parseLong(stat[11]) + Long.parseLong(stat[12]);   // utime + stime
        long now = System.nanoTime();
        if (s.lastTicks >= 0) {
          s.cpu.add((ticks - s.lastTicks) / TICKS_PER_SECOND / ((now - s.lastNanos) / 1e9) * 100);
        }
        s.lastTicks = ticks;
        s.lastNanos = now;
        for (String line : Files.readAllLines(Path.of("/proc/" + s.pid + "/status"))) {
          if (line.startsWith("VmRSS:")) {
            s.rssKb.add(Long.parseLong(line.replaceAll("\\D", "")));
          }
        }
      } catch (IOException | RuntimeException gone) {
        // the process ended (a killed node): its series stops here
      }
    }
  }

  /** Per process: pid, CPU % of one core (mean and max over the samples), RSS in MiB (first, max, last). */
  synchronized JsonObject toJson() {
    JsonObject all = new JsonObject();
    series.forEach((name, s) -> {
      JsonObject p = new JsonObject().put("pid", s.pid).put("samples", s.rssKb.size());
      if (!s.cpu.isEmpty()) {
        p.put("cpuMeanPercent", round(s.cpu.stream().mapToDouble(Double::doubleValue).average().orElse(0)))
            .put("cpuMaxPercent", round(s.cpu.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
      }
      if (!s.rssKb.isEmpty()) {
        p.put("rssFirstMiB", round(s.rssKb.get(0) / 1024.0))
            .put("rssMaxMiB", round(s.rssKb.stream().mapToLong(Long::longValue).max().orElse(0) / 1024.0))
            .put("rssLastMiB", round(s.rssKb.get(s.rssKb.size() - 1) / 1024.0));
      }
      p.put("cpuPercent", new JsonArray(s.cpu.stream().map(ProcessSampler::round).toList()));
      all.put(name, p);
    });
    return all;
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
