package chat.gateway.management;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * On-demand profiling (the JVM's pprof): a JDK Flight Recorder recording with the JDK's "profile"
 * settings (CPU samples every 10 ms, allocations, locks, GC) for a number of seconds, returned as the
 * .jfr file. One at a time; open it in JDK Mission Control or convert it to a flame graph
 * ({@code bench/profile.sh} does). The events that copy the process's environment, system properties
 * and command line, and the command lines of the host's processes and of those the JVM starts
 * ({@link #SECRETS}), are off: they carry JWT_SECRET, API_KEY, REDIS_URL and the rest, whether set in the
 * environment or passed as {@code -D} options.
 */
final class Profiler {
  static final int MAX_SECONDS = 300;
  /** JFR events that would put the node's secrets into the recording. */
  static final List<String> SECRETS = List.of("jdk.InitialEnvironmentVariable", "jdk.InitialSystemProperty",
      "jdk.JVMInformation", "jdk.SystemProcess", "jdk.ProcessStart");

  private final Vertx vertx;
  private final AtomicBoolean running = new AtomicBoolean();

  Profiler(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Fails with {@link IllegalStateException} when a recording is already running. */
  Future<Buffer> record(int seconds) {
    if (!running.compareAndSet(false, true)) {
      return Future.failedFuture(new IllegalStateException("a profile is being recorded already"));
    }
    Recording recording;
    try {
      recording = new Recording(Configuration.getConfiguration("profile"));
      SECRETS.forEach(event -> recording.disable(event));
      recording.setName("gateway-profile");
      recording.start();
    } catch (IOException | ParseException | RuntimeException e) {
      running.set(false);
      return Future.failedFuture(e);
    }
    return vertx.timer(Duration.ofSeconds(seconds).toMillis())
        .compose(v -> vertx.executeBlocking(() -> {
          Path file = Files.createTempFile("gateway-profile-", ".jfr");
          try {
            recording.stop();
            recording.dump(file);
            return Buffer.buffer(Files.readAllBytes(file));
          } finally {
            recording.close();
            Files.deleteIfExists(file);
          }
        }))
        .onComplete(ar -> running.set(false));
  }
}
