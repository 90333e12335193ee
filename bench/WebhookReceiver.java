import chat.gateway.hook.HookSigner;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A webhook receiver for the benches: checks each batch's signature, answers 204, and keeps the account: events
 * and batches received, distinct event ids, repeats (an id seen before), message events by distinct message id,
 * messages out of order within a channel (a position lower than the channel's last, repeats aside), repeats under
 * another id (a message id seen before under a different event id: a duplicate the receiver cannot drop), and the
 * delivery latency (receipt time - the event's ts) of first receipts (POST /reset-latency forgets those so far).
 * Writes the account to OUT every second.
 *   java -cp gateway-node.jar bench/WebhookReceiver.java PORT SECRET OUT
 */
public class WebhookReceiver {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    HookSigner signer = new HookSigner(args[1]);
    Path out = Path.of(args[2]);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Set<String> ids = new HashSet<>();
    Map<String, String> eventOfMessage = new HashMap<>();
    Map<String, Long> lastPosition = new HashMap<>();
    List<Long> latencies = new ArrayList<>();
    long[] n = new long[7]; // batches, events, repeats, messages, disorder, repeats under another id, bad signatures
    vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)).requestHandler(req ->
        req.body().onSuccess(body -> {
          if (req.path().equals("/reset-latency")) { // the warm-up's latencies are not the run's
            latencies.clear();
            req.response().setStatusCode(204).end();
            return;
          }
          long now = System.currentTimeMillis();
          String timestamp = req.getHeader("X-Chat-Timestamp");
          if (timestamp == null || !timestamp.matches("\\d{1,18}")
              || !signer.sign(Long.parseLong(timestamp), body.getBytes()).equals(req.getHeader("X-Chat-Signature"))) {
            n[6]++;
            req.response().setStatusCode(401).end();
            return;
          }
          n[0]++;
          for (Object o : body.toJsonObject().getJsonArray("events")) {
            JsonObject event = (JsonObject) o;
            n[1]++;
            if (!ids.add(event.getString("id"))) {
              n[2]++;
              continue;
            }
            latencies.add(now - event.getLong("ts"));
            if (!event.getString("type").equals("message")) {
              continue;
            }
            JsonObject message = event.getJsonObject("message");
            String earlier = eventOfMessage.putIfAbsent(message.getString("id"), event.getString("id"));
            if (earlier != null) {
              n[5]++;
              continue;
            }
            n[3]++;
            String[] position = message.getString("position").split("\\.", 2)[1].split("-");
            long p = Long.parseLong(position[0]) * 1000 + Long.parseLong(position[1]);
            Long before = lastPosition.put(event.getString("channel"), p);
            if (before != null && p < before) {
              n[4]++;
            }
          }
          req.response().setStatusCode(204).end();
        })).listen().toCompletionStage().toCompletableFuture().join();
    vertx.setPeriodic(1000, id -> {
      long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
      String account = String.format("batches=%d events=%d repeats=%d messages=%d disorder=%d repeats_under_new_id=%d"
              + " bad_signatures=%d latency_ms_p50=%d p99=%d max=%d%n", n[0], n[1], n[2], n[3], n[4], n[5], n[6],
          pct(sorted, 0.5), pct(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
      try {
        Files.writeString(out, account);
      } catch (Exception e) {
        System.err.println(e);
      }
    });
    System.out.println("webhook receiver on " + port);
  }

  static long pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
  }
}
