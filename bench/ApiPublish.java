import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives a node's Redis command path without WebSockets: COUNT publishes through the HTTP API
 * (POST /api/publish, one Redis script call each, to one of 100 groups), at most CONCURRENCY in flight.
 * Prints how many succeeded, failed, and the rate. Run: java bench/ApiPublish.java URL APIKEY COUNT CONCURRENCY
 */
public class ApiPublish {
  public static void main(String[] args) throws Exception {
    String url = args[0];
    String key = args[1];
    int count = Integer.parseInt(args[2]);
    int concurrency = Integer.parseInt(args[3]);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    Semaphore slots = new Semaphore(concurrency);
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long start = System.nanoTime();
    CompletableFuture<?>[] all = new CompletableFuture<?>[count];
    for (int i = 0; i < count; i++) {
      slots.acquire();
      String body = "{\"channel\":\"group/g" + (i % 100) + "\",\"body\":{\"n\":" + i + "}}";
      HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/api/publish"))
          .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + key)
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
      all[i] = http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
        (e == null && r.statusCode() == 200 ? ok : failed).incrementAndGet();
        slots.release();
      });
    }
    CompletableFuture.allOf(all).exceptionally(e -> null).join();
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("publishes=%d ok=%d failed=%d seconds=%.2f per_second=%.0f%n", count, ok.get(), failed.get(),
        seconds, count / seconds);
  }
}
