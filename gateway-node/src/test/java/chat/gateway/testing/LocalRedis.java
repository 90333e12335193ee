package chat.gateway.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** Starting {@code redis-server} processes on loopback for the fixtures, and removing them and their files at exit. */
final class LocalRedis {
  static final String HOST = "127.0.0.1";

  private LocalRedis() {
  }

  /** Starts {@code redis-server} with {@code args}, its output in {@code log}. */
  static Process launch(List<String> args, Path log) throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of("redis-server"));
    command.addAll(args);
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /**
   * When the test JVM exits: kills the processes {@code running} gives then (a test may have restarted one)
   * and, once they are gone, deletes {@code dir} (their configs, data and logs), so no run leaves a Redis or
   * a directory behind.
   */
  static void removeAtExit(Path dir, Supplier<List<Process>> running) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      List<Process> processes = running.get().stream().filter(Objects::nonNull).toList(); // null: never started
      processes.forEach(Process::destroyForcibly);
      for (Process p : processes) {
        try {
          p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        System.err.println("could not remove " + dir + ": " + e);
      }
    }));
  }

  /** Waits until Redis (or a sentinel) on {@code port} answers PING. */
  static void awaitAnswer(int port) {
    Await.until("redis on " + port, () -> {
      try {
        return "PONG".equals(Resp.call(HOST, port, "PING"));
      } catch (IllegalStateException e) {
        return false;
      }
    });
  }

  /** A free port; with {@code busToo}, one whose cluster bus port (+10000) is free as well. */
  static int freePort(Set<Integer> taken, boolean busToo) throws IOException {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
      if (!taken.contains(port) && free(port) && (!busToo || free(port + 10_000))) {
        return port;
      }
    }
    throw new IOException("no free port for a Redis of the tests");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
