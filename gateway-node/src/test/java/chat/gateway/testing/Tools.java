package chat.gateway.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the command-line tools the deployment tests check files with (haproxy, promtool). */
public final class Tools {
  private Tools() {
  }

  /** The repository root (tests run in gateway-node/). */
  public static Path repo() {
    Path here = Path.of("").toAbsolutePath();
    return Files.exists(here.resolve("docker-compose.yml")) ? here : here.getParent();
  }

  public record Result(int exit, String output) {
  }

  /** A port free now on the tests' loopback address, outside the ephemeral range (for a tool's listener). */
  public static int freePort() {
    try {
      return LocalRedis.freePort(java.util.Set.of(), false);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Runs {@code command} in the repository root, feeding {@code stdin}; fails if the tool is missing. */
  public static Result run(List<String> command, String stdin, Map<String, String> env) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command).directory(repo().toFile()).redirectErrorStream(true);
      builder.environment().putAll(env);
      Process process = builder.start();
      if (stdin != null) {
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(command + " did not finish");
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      throw new AssertionError(command.get(0) + " is needed for this test (apt-get install haproxy prometheus;"
          + " .ci/run installs them): " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }
}
