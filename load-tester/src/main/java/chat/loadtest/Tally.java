package chat.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * What one worker saw, and the merge of all workers' tallies: sends and acks, every delivery counted per
 * message (how many distinct clients received message n of sender s), duplicates before dedupe,
 * out-of-order deliveries, latency (whole run and per second), connection events. Single-threaded: a
 * worker touches it from its one event loop only.
 *
 * <p>Loss is decided on the merged tally: an acked message of sender s must have been received by every
 * client the plan says receives s's messages.
 */
final class Tally {
  private static final long MAX_LATENCY_MICROS = 3_600_000_000L;

  final Map<Integer, BitSet> acked = new TreeMap<>();
  final Map<Integer, int[]> receivers = new TreeMap<>();
  final Histogram latency = newHistogram();
  final List<Histogram> perSecond = new ArrayList<>();
  /** Closes while connecting (the ramp), where an overloaded gateway may shed load, and during the run. */
  final Map<String, Long> rampCloses = new TreeMap<>();
  final Map<String, Long> closes = new TreeMap<>();
  final Map<String, Long> sendErrors = new TreeMap<>();
  /** Failed connects by their root cause (at most {@link #CAUSES} kinds, the rest as "other"). */
  final Map<String, Long> connectErrors = new TreeMap<>();
  private static final int CAUSES = 10;
  long sent;
  long deliveries;
  long duplicates;
  long outOfOrder;
  long connected;
  long connectFailures;
  /** Connect attempts refused with 503 and Retry-After (a node's admission control). */
  long admissionRefusals;
  /** Of the failed connects and the refusals, those after the ramp (reconnects during the run). */
  long connectFailuresRunning;
  long admissionRefusalsRunning;
  long reconnects;
  /** Connections the client took for dead after two heartbeats without a frame (and replaced, with resume). */
  long silent;
  /** Typing frames received (others typing in the client's group). */
  long typing;
  long unrecovered;
  double rampSeconds;
  /** Connections lost while running (a close, or silence), each counted once until connected again. */
  long lostConnections;
  /** For each lost connection that came back: from the loss to {@code connected} again, in micros. */
  final Histogram backAfterLoss = newHistogram();
  /** When the last lost connection came back (the workers' clock, epoch micros; 0: none). */
  long lastBackMicros;

  static Histogram newHistogram() {
    return new Histogram(MAX_LATENCY_MICROS, 3);
  }

  /** A duration in micros as the histograms take it: 0 to {@link #MAX_LATENCY_MICROS}. */
  private static long inRange(long micros) {
    return Math.min(Math.max(micros, 0), MAX_LATENCY_MICROS);
  }

  /**
   * A failed connect: counted (as refused by admission when it was a 503 with Retry-After; while ramping or during
   * the run), and its root cause kept, so a run that could not connect says why.
   */
  void connectFailed(Throwable failure, boolean refusedByAdmission, boolean running) {
    connectFailures++;
    if (refusedByAdmission) {
      admissionRefusals++;
    }
    if (running) {
      connectFailuresRunning++;
      if (refusedByAdmission) {
        admissionRefusalsRunning++;
      }
    }
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = String.valueOf(root.getMessage());
    String cause = root.getClass().getSimpleName() + ": " + (message.length() > 100 ? message.substring(0, 100) + "..." : message);
    connectErrors.merge(connectErrors.containsKey(cause) || connectErrors.size() < CAUSES ? cause : "other", 1L, Long::sum);
  }

  void acked(int sender, long n) {
    acked.computeIfAbsent(sender, s -> new BitSet()).set((int) n);
  }

  /** A first delivery of message n of sender s to one client, {@code latencyMicros} after it was due. */
  void delivered(int sender, long n, long latencyMicros, int second, boolean measured) {
    deliveries++;
    int[] counts = receivers.computeIfAbsent(sender, s -> new int[64]);
    if (n >= counts.length) {
      counts = Arrays.copyOf(counts, (int) Math.max(n + 1, counts.length * 2L));
      receivers.put(sender, counts);
    }
    counts[(int) n]++;
    if (measured) {
      long value = inRange(latencyMicros);
      latency.recordValue(value);
      while (perSecond.size() <= second) {
        perSecond.add(newHistogram());
      }
      perSecond.get(second).recordValue(value);
    }
  }

  void closed(String code, boolean running) {
    (running ? closes : rampCloses).merge(code, 1L, Long::sum);
  }

  /** A session lost at {@code lostMicros} is connected again at {@code nowMicros}. */
  void back(long lostMicros, long nowMicros) {
    backAfterLoss.recordValue(inRange(nowMicros - lostMicros));
    lastBackMicros = Math.max(lastBackMicros, nowMicros);
  }

  void sendError(String code) {
    sendErrors.merge(code, 1L, Long::sum);
  }

  // ---- merge and loss -------------------------------------------------------------------------

  void add(Tally other) {
    other.acked.forEach((s, bits) -> acked.computeIfAbsent(s, k -> new BitSet()).or(bits));
    other.receivers.forEach((s, counts) -> receivers.merge(s, counts, (a, b) -> {
      int[] sum = Arrays.copyOf(a, Math.max(a.length, b.length));
      for (int i = 0; i < b.length; i++) {
        sum[i] += b[i];
      }
      return sum;
    }));
    latency.add(other.latency);
    for (int i = 0; i < other.perSecond.size(); i++) {
      while (perSecond.size() <= i) {
        perSecond.add(newHistogram());
      }
      perSecond.get(i).add(other.perSecond.get(i));
    }
    other.closes.forEach((k, v) -> closes.merge(k, v, Long::sum));
    other.rampCloses.forEach((k, v) -> rampCloses.merge(k, v, Long::sum));
    other.sendErrors.forEach((k, v) -> sendErrors.merge(k, v, Long::sum));
    other.connectErrors.forEach((k, v) -> connectErrors.merge(k, v, Long::sum));
    sent += other.sent;
    deliveries += other.deliveries;
    duplicates += other.duplicates;
    outOfOrder += other.outOfOrder;
    connected += other.connected;
    connectFailures += other.connectFailures;
    admissionRefusals += other.admissionRefusals;
    connectFailuresRunning += other.connectFailuresRunning;
    admissionRefusalsRunning += other.admissionRefusalsRunning;
    reconnects += other.reconnects;
    silent += other.silent;
    typing += other.typing;
    unrecovered += other.unrecovered;
    rampSeconds = Math.max(rampSeconds, other.rampSeconds);
    lostConnections += other.lostConnections;
    backAfterLoss.add(other.backAfterLoss);
    lastBackMicros = Math.max(lastBackMicros, other.lastBackMicros);
  }

  /** Deliveries missing for acked messages: for each, the receivers the plan expects minus those that got it. */
  Loss loss(Plan plan) {
    long ackedMessages = 0;
    long missing = 0;
    long messagesWithLoss = 0;
    for (Map.Entry<Integer, BitSet> entry : acked.entrySet()) {
      int sender = entry.getKey();
      int expected = plan.receiversOf(sender);
      int[] counts = receivers.getOrDefault(sender, new int[0]);
      BitSet bits = entry.getValue();
      for (int n = bits.nextSetBit(0); n >= 0; n = bits.nextSetBit(n + 1)) {
        ackedMessages++;
        int got = n < counts.length ? counts[n] : 0;
        if (got < expected) {
          missing += expected - got;
          messagesWithLoss++;
        }
      }
    }
    return new Loss(ackedMessages, missing, messagesWithLoss);
  }

  record Loss(long ackedMessages, long missingDeliveries, long messagesWithLoss) {
  }

  // ---- JSON (worker result files) ---------------------------------------------------------------

  JsonObject toJson() {
    JsonObject acks = new JsonObject();
    acked.forEach((s, bits) -> acks.put(Integer.toString(s), Base64.getEncoder().encodeToString(bits.toByteArray())));
    JsonObject counts = new JsonObject();
    receivers.forEach((s, c) -> {
      JsonArray array = new JsonArray();
      int last = c.length - 1;
      while (last >= 0 && c[last] == 0) {
        last--;
      }
      for (int i = 0; i <= last; i++) {
        array.add(c[i]);
      }
      counts.put(Integer.toString(s), array);
    });
    JsonArray seconds = new JsonArray();
    perSecond.forEach(h -> seconds.add(encode(h)));
    return new JsonObject()
        .put("sent", sent).put("deliveries", deliveries).put("duplicates", duplicates)
        .put("outOfOrder", outOfOrder).put("connected", connected).put("connectFailures", connectFailures).put("admissionRefusals", admissionRefusals)
        .put("connectFailuresRunning", connectFailuresRunning).put("admissionRefusalsRunning", admissionRefusalsRunning)
        .put("reconnects", reconnects).put("silent", silent).put("typing", typing).put("unrecovered", unrecovered).put("rampSeconds", rampSeconds)
        .put("closes", new JsonObject(new TreeMap<>(closes))).put("rampCloses", new JsonObject(new TreeMap<>(rampCloses))).put("sendErrors", new JsonObject(new TreeMap<>(sendErrors)))
        .put("connectErrors", new JsonObject(new TreeMap<>(connectErrors)))
        .put("acked", acks).put("receivers", counts)
        .put("latency", encode(latency)).put("perSecond", seconds)
        .put("lostConnections", lostConnections).put("backAfterLoss", encode(backAfterLoss)).put("lastBackMicros", lastBackMicros);
  }

  static Tally fromJson(JsonObject json) {
    Tally t = new Tally();
    t.sent = json.getLong("sent");
    t.deliveries = json.getLong("deliveries");
    t.duplicates = json.getLong("duplicates");
    t.outOfOrder = json.getLong("outOfOrder");
    t.connected = json.getLong("connected");
    t.connectFailures = json.getLong("connectFailures");
    t.admissionRefusals = json.getLong("admissionRefusals", 0L);
    t.connectFailuresRunning = json.getLong("connectFailuresRunning");
    t.admissionRefusalsRunning = json.getLong("admissionRefusalsRunning");
    t.reconnects = json.getLong("reconnects");
    t.silent = json.getLong("silent", 0L);
    t.typing = json.getLong("typing", 0L);
    t.unrecovered = json.getLong("unrecovered");
    t.rampSeconds = json.getDouble("rampSeconds");
    json.getJsonObject("closes").forEach(e -> t.closes.put(e.getKey(), ((Number) e.getValue()).longValue()));
    json.getJsonObject("rampCloses").forEach(e -> t.rampCloses.put(e.getKey(), ((Number) e.getValue()).longValue()));
    json.getJsonObject("sendErrors").forEach(e -> t.sendErrors.put(e.getKey(), ((Number) e.getValue()).longValue()));
    json.getJsonObject("connectErrors", new JsonObject())
        .forEach(e -> t.connectErrors.put(e.getKey(), ((Number) e.getValue()).longValue()));
    json.getJsonObject("acked").forEach(e ->
        t.acked.put(Integer.parseInt(e.getKey()), BitSet.valueOf(Base64.getDecoder().decode((String) e.getValue()))));
    json.getJsonObject("receivers").forEach(e -> {
      JsonArray array = (JsonArray) e.getValue();
      int[] c = new int[array.size()];
      for (int i = 0; i < c.length; i++) {
        c[i] = array.getInteger(i);
      }
      t.receivers.put(Integer.parseInt(e.getKey()), c);
    });
    t.latency.add(decode(json.getString("latency")));
    json.getJsonArray("perSecond").forEach(h -> t.perSecond.add(decode((String) h)));
    t.lostConnections = json.getLong("lostConnections");
    t.backAfterLoss.add(decode(json.getString("backAfterLoss")));
    t.lastBackMicros = json.getLong("lastBackMicros");
    return t;
  }

  private static String encode(Histogram h) {
    ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int length = h.encodeIntoCompressedByteBuffer(buffer);
    return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
  }

  private static Histogram decode(String base64) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)),
          MAX_LATENCY_MICROS);
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("a worker's latency histogram does not decode", e);
    }
  }
}
