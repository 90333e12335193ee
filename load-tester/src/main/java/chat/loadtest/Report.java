package chat.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The run's report: report.json, summary.txt (also printed) and latency.png, in the plan's out directory. */
final class Report {
  private static final double[] PERCENTILES = {50, 90, 99, 99.9};
  private static final long[] BUCKETS_MS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};

  private Report() {
  }

  /**
   * @param goMillis when the run started (after the ramp, epoch ms): a storm acts {@code --storm-at} seconds later
   */
  static JsonObject json(Plan plan, Tally tally, Tally.Loss loss, double rampSeconds, JsonObject processes, long goMillis) {
    Histogram h = tally.latency;
    double measuredSeconds = Math.max(1, plan.seconds() - plan.warmupSeconds());
    JsonObject latency = millis(h);
    long unexpectedCloses = tally.closes.values().stream().mapToLong(Long::longValue).sum();
    return new JsonObject()
        .put("scenario", plan.scenario()).put("url", plan.url().toString())
        .put("plan", new JsonObject().put("connections", plan.connections()).put("groups", plan.groups())
            .put("ratePerSecond", plan.rate()).put("seconds", plan.seconds()).put("warmupSeconds", plan.warmupSeconds())
            .put("rampPerSecond", plan.rampPerSecond()).put("sources", plan.sources().size())
            .put("workers", plan.workersNeeded()))
        .put("connectionsReached", tally.connected).put("rampSeconds", Math.round(rampSeconds * 10) / 10.0)
        .put("connectFailures", tally.connectFailures).put("admissionRefusals", tally.admissionRefusals)
        .put("connectFailuresWhileRunning", tally.connectFailuresRunning)
        .put("admissionRefusalsWhileRunning", tally.admissionRefusalsRunning)
        .put("connectAttemptsPerSession", (double) (plan.connections() + tally.reconnects) / plan.connections())
        .put("rampCloses", new JsonObject(Map.copyOf(tally.rampCloses)))
        .put("closes", new JsonObject(Map.copyOf(tally.closes)))
        .put("unexpectedCloses", unexpectedCloses).put("reconnects", tally.reconnects).put("silentReconnects", tally.silent).put("typingReceived", tally.typing)
        .put("unrecoveredChannels", tally.unrecovered)
        .put("lostConnections", tally.lostConnections).put("backAfterLossMs", millis(tally.backAfterLoss))
        .put("lastBackSecondsAfterStorm", plan.scenario().equals("storm") && tally.lastBackMicros > 0
            ? Math.round((tally.lastBackMicros - (goMillis + plan.stormAtSeconds() * 1000L) * 1000) / 100_000.0) / 10.0
            : null)
        .put("sent", tally.sent).put("acked", loss.ackedMessages())
        .put("sendErrors", new JsonObject(Map.copyOf(tally.sendErrors)))
        .put("connectErrors", new JsonObject(Map.copyOf(tally.connectErrors)))
        .put("deliveries", tally.deliveries)
        .put("deliveriesPerSecond", Math.round(h.getTotalCount() / measuredSeconds))
        .put("lost", loss.missingDeliveries()).put("messagesWithLoss", loss.messagesWithLoss())
        .put("duplicates", tally.duplicates).put("outOfOrder", tally.outOfOrder)
        .put("latencyMs", latency)
        .put("latencyPerSecondMs", perSecond(tally))
        .put("processes", processes);
  }

  static String summary(JsonObject r) {
    StringBuilder s = new StringBuilder();
    JsonObject plan = r.getJsonObject("plan");
    s.append(String.format("scenario %s against %s: %d connections (%d workers, %d source addresses), %d groups, %.0f msg/s for %d s%n",
        r.getString("scenario"), r.getString("url"), plan.getInteger("connections"), plan.getInteger("workers"),
        plan.getInteger("sources"), plan.getInteger("groups"), plan.getDouble("ratePerSecond"), plan.getInteger("seconds")));
    s.append(String.format("connections reached %d in %.1f s (ramp %d/s); while ramping: connect failures %d (of them "
            + "refused by admission, 503: %d), closes %s; connect attempts per session %.2f%n",
        r.getLong("connectionsReached"), r.getDouble("rampSeconds"), plan.getInteger("rampPerSecond"),
        r.getLong("connectFailures") - r.getLong("connectFailuresWhileRunning", 0L),
        r.getLong("admissionRefusals", 0L) - r.getLong("admissionRefusalsWhileRunning", 0L), r.getJsonObject("rampCloses").encode(),
        r.getDouble("connectAttemptsPerSession", 0.0)));
    JsonObject connectErrors = r.getJsonObject("connectErrors", new JsonObject());
    if (!connectErrors.isEmpty()) {
      s.append("connect failures by cause ").append(connectErrors.encode()).append(String.format("%n"));
    }
    s.append(String.format("unexpected closes during the run %d %s; reconnects %d (%d after silence); connect failures "
            + "during the run %d (of them refused by admission, 503: %d)%n",
        r.getLong("unexpectedCloses"), r.getJsonObject("closes").encode(), r.getLong("reconnects"),
        r.getLong("silentReconnects"), r.getLong("connectFailuresWhileRunning", 0L),
        r.getLong("admissionRefusalsWhileRunning", 0L)));
    JsonObject back = r.getJsonObject("backAfterLossMs");
    if (r.getLong("lostConnections", 0L) > 0) {
      s.append(String.format("connections lost while running %d, back %d: after p50 %s  p99 %s  max %s ms%s%n",
          r.getLong("lostConnections"), back.getLong("count"), back.getValue("p50"), back.getValue("p99"),
          back.getValue("max"), r.getValue("lastBackSecondsAfterStorm") == null ? ""
              : "; the last one back " + r.getValue("lastBackSecondsAfterStorm") + " s after the storm's action"));
    }
    s.append(String.format("sent %d, acked %d, send errors %s; deliveries %d (%d/s measured)%n",
        r.getLong("sent"), r.getLong("acked"), r.getJsonObject("sendErrors").encode(), r.getLong("deliveries"),
        r.getLong("deliveriesPerSecond")));
    s.append(String.format("LOST %d deliveries of acked messages (%d messages); duplicates before dedupe %d; out of order %d; unrecovered channels %d%n",
        r.getLong("lost"), r.getLong("messagesWithLoss"), r.getLong("duplicates"), r.getLong("outOfOrder"),
        r.getLong("unrecoveredChannels")));
    JsonObject l = r.getJsonObject("latencyMs");
    s.append(String.format("latency ms (from the time each send was due): p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (n=%d)%n",
        l.getValue("p50"), l.getValue("p90"), l.getValue("p99"), l.getValue("p99.9"), l.getValue("max"), l.getLong("count")));
    s.append("process                 CPU% mean   max    RSS MiB first    max   last\n");
    r.getJsonObject("processes").forEach(e -> {
      JsonObject p = (JsonObject) e.getValue();
      s.append(String.format("%-20s %9s %6s %14s %6s %6s%n", e.getKey(), p.getValue("cpuMeanPercent", "-"),
          p.getValue("cpuMaxPercent", "-"), p.getValue("rssFirstMiB", "-"), p.getValue("rssMaxMiB", "-"),
          p.getValue("rssLastMiB", "-")));
    });
    return s.toString();
  }

  static void write(Path out, JsonObject report, Tally tally) throws IOException {
    Files.createDirectories(out);
    Files.writeString(out.resolve("report.json"), report.encodePrettily());
    Files.writeString(out.resolve("summary.txt"), summary(report));
    if (tally.latency.getTotalCount() > 0) {
      plot(out.resolve("latency.png"), report.getString("scenario"), tally);
    }
  }

  private static JsonArray perSecond(Tally tally) {
    JsonArray seconds = new JsonArray();
    for (int i = 0; i < tally.perSecond.size(); i++) {
      Histogram h = tally.perSecond.get(i);
      seconds.add(new JsonObject().put("second", i).put("count", h.getTotalCount())
          .put("p50", ms(h.getValueAtPercentile(50))).put("p99", ms(h.getValueAtPercentile(99)))
          .put("max", ms(h.getMaxValue())));
    }
    return seconds;
  }

  private static void plot(Path file, String scenario, Tally tally) throws IOException {
    XYChart overTime = new XYChartBuilder().width(900).height(500)
        .title(scenario + ": latency percentiles per second").xAxisTitle("second of the run").yAxisTitle("ms").build();
    List<Integer> xs = new ArrayList<>();
    List<List<Double>> ys = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (int i = 0; i < tally.perSecond.size(); i++) {
      Histogram h = tally.perSecond.get(i);
      if (h.getTotalCount() == 0) {
        continue;
      }
      xs.add(i);
      ys.get(0).add(ms(h.getValueAtPercentile(50)));
      ys.get(1).add(ms(h.getValueAtPercentile(90)));
      ys.get(2).add(ms(h.getValueAtPercentile(99)));
      ys.get(3).add(ms(h.getMaxValue()));
    }
    String[] names = {"p50", "p90", "p99", "max"};
    for (int i = 0; i < names.length; i++) {
      overTime.addSeries(names[i], xs, ys.get(i)).setMarker(SeriesMarkers.NONE);
    }
    overTime.getStyler().setYAxisLogarithmic(true);

    CategoryChart histogram = new CategoryChartBuilder().width(900).height(500)
        .title(scenario + ": latency histogram (" + tally.latency.getTotalCount() + " deliveries)")
        .xAxisTitle("latency, ms").yAxisTitle("share of deliveries, %").build();
    List<String> labels = new ArrayList<>();
    List<Double> shares = new ArrayList<>();
    long below = 0;
    long total = tally.latency.getTotalCount();
    for (long upper : BUCKETS_MS) {
      long count = tally.latency.getCountBetweenValues(0, upper * 1000 - 1) - below;
      labels.add("<" + upper);
      shares.add(100.0 * count / total);
      below += count;
    }
    labels.add(">=" + BUCKETS_MS[BUCKETS_MS.length - 1]);
    shares.add(100.0 * (total - below) / total);
    histogram.addSeries("deliveries", labels, shares);
    histogram.getStyler().setLegendVisible(false);

    List<Chart> charts = List.of(overTime, histogram);
    BitmapEncoder.saveBitmap(charts, 1, 2, file.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
  }

  /** A histogram of micros as ms: count, {@link #PERCENTILES}, max and mean. */
  private static JsonObject millis(Histogram h) {
    JsonObject json = new JsonObject().put("count", h.getTotalCount());
    for (double p : PERCENTILES) {
      json.put("p" + (p == Math.rint(p) ? Integer.toString((int) p) : Double.toString(p)), ms(h.getValueAtPercentile(p)));
    }
    return json.put("max", ms(h.getMaxValue())).put("mean", Math.round(h.getMean() / 10.0) / 100.0);
  }

  private static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }
}
