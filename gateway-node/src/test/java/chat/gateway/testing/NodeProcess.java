package chat.gateway.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A gateway node in a process of its own (GatewayMain on the test classpath), so that it can be killed -9. */
public final class NodeProcess implements AutoCloseable {
  private static final Pattern LISTENING =
      Pattern.compile("listening on [^:]+:(\\d+) \\(WebSocket /ws\\), management on [^:]+:(\\d+)");

  private final Process process;
  private final int port;
  private final int managementPort;
  private final List<String> output;

  private NodeProcess(Process process, int port, int managementPort, List<String> output) {
    this.process = process;
    this.port = port;
    this.managementPort = managementPort;
    this.output = output;
  }

  /** What the process has written so far (standard output and error), for a failing test's message. */
  public String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  /** Starts a node with {@code env} (PORT and MGMT_PORT default to 0) and waits until it listens. */
  public static NodeProcess start(Map<String, String> env) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), "chat.gateway.app.GatewayMain").redirectErrorStream(true);
    builder.environment().put("PORT", "0");
    builder.environment().put("MGMT_PORT", "0");
    builder.environment().putAll(env);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("could not start a gateway process", e);
    }
    CompletableFuture<int[]> ports = new CompletableFuture<>();
    List<String> output = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          synchronized (output) {
            output.add(line);
          }
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            ports.complete(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
          }
        }
      } catch (IOException e) {
        // the process ended
      }
      ports.completeExceptionally(new IllegalStateException("gateway exited before listening: " + output));
    }, "node-output");
    reader.setDaemon(true);
    reader.start();
    try {
      int[] p = ports.get(60, TimeUnit.SECONDS);
      return new NodeProcess(process, p[0], p[1], output);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IllegalStateException("gateway did not start: " + output, e);
    }
  }

  public int port() {
    return port;
  }

  public int managementPort() {
    return managementPort;
  }

  /** SIGSTOP: the process stops where it is (a frozen host, a long GC pause) until {@link #resume}. */
  public void pause() {
    signal("-STOP");
  }

  /** SIGCONT after {@link #pause}. */
  public void resume() {
    signal("-CONT");
  }

  private void signal(String which) {
    try {
      Process kill = new ProcessBuilder("kill", which, Long.toString(process.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill " + which + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /** SIGKILL: no drain, no goodbye, sessions left in the registry. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
