import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The history-flood attack of issue 14, as a user sees it: mallory fills group/big with MESSAGES messages
 * of 60 KiB, then sends FRAMES `history` frames (limit 100) at once, while alice, on the same node, sends
 * 100 messages to herself one after the other. Prints alice's send-to-ack p50 and max, before the flood
 * (alone) and during it, and how long mallory's frames took to be answered.
 * Run: java bench/HistoryFlood.java PORT [MESSAGES] [FRAMES]
 */
public class HistoryFlood {
  static final class Socket implements WebSocket.Listener {
    final LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket ws;

    static Socket open(int port, String user) throws Exception {
      Socket s = new Socket();
      s.ws = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), s).get(10, TimeUnit.SECONDS);
      s.send("{\"type\":\"connect\",\"user\":\"" + user + "\"}");
      s.await("\"connected\"");
      return s;
    }

    void send(String text) {
      ws.sendText(text, true).join();
    }

    String await(String marker) throws InterruptedException {
      while (true) {
        String f = frames.poll(20, TimeUnit.SECONDS);
        if (f == null) {
          throw new IllegalStateException("nothing with " + marker + " within 120 s");
        }
        if (f.contains(marker)) {
          return f;
        }
      }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      System.err.println("closed " + statusCode + " " + reason);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        frames.add(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int messages = args.length > 1 ? Integer.parseInt(args[1]) : 400;
    int frames = args.length > 2 ? Integer.parseInt(args[2]) : 40;
    Socket mallory = Socket.open(port, "mallory");
    Socket alice = Socket.open(port, "alice");
    mallory.send("{\"type\":\"join\",\"ref\":1,\"channel\":\"group/big\"}");
    mallory.await("\"joined\"");
    String body = "x".repeat(60 * 1024);
    for (int i = 1; i <= messages; i++) {
      mallory.send("{\"type\":\"send\",\"seq\":" + i + ",\"channel\":\"group/big\",\"body\":\"" + body + "\"}");
      try { mallory.await("\"ack\""); } catch (IllegalStateException e) { throw new IllegalStateException("no ack for message " + i, e); }
    }
    mallory.frames.clear();
    String alone = sendToAck(alice, 1, 100);
    long floodStart = System.nanoTime();
    int[] refused = {0};
    CompletableFuture<Long> flood = CompletableFuture.supplyAsync(() -> {
      for (int i = 0; i < frames; i++) {
        mallory.send("{\"type\":\"history\",\"ref\":" + (100 + i) + ",\"channel\":\"group/big\",\"limit\":100}");
      }
      try {
        for (int i = 0; i < frames; i++) {
          // a page, or a refusal (rate_limited: too many requests waiting at once)
          if (mallory.await("\"ref\"").contains("\"error\"")) {
            refused[0]++;
          }
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return (System.nanoTime() - floodStart) / 1_000_000;
    });
    String during = sendToAck(alice, 101, 100);
    System.out.println("alice alone: " + alone + "; during " + frames + " history frames: " + during
        + "; mallory's frames answered in " + flood.get(300, TimeUnit.SECONDS) + " ms (" + refused[0]
        + " of them refused)");
    System.exit(0);
  }

  /** Sends COUNT messages one after the other, each after the last one's ack; "p50 X ms, max Y ms". */
  static String sendToAck(Socket s, int firstSeq, int count) throws InterruptedException {
    List<Double> millis = new ArrayList<>();
    for (int seq = firstSeq; seq < firstSeq + count; seq++) {
      long start = System.nanoTime();
      s.send("{\"type\":\"send\",\"seq\":" + seq + ",\"channel\":\"user/alice\",\"body\":\"ping\"}");
      s.await("\"ack\"");
      millis.add((System.nanoTime() - start) / 1e6);
    }
    Collections.sort(millis);
    return String.format("p50 %.1f ms, max %.1f ms", millis.get(millis.size() / 2), millis.get(millis.size() - 1));
  }
}
