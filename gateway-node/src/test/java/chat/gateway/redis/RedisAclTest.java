package chat.gateway.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The gateway's Redis user (redis/users.conf) allows exactly the data commands the gateway uses: every command its
 * scripts call and its code sends, and nothing else. A script that starts calling a command fails here before it
 * fails in a deployment with NOPERM; a command nothing uses any more is taken out of the user.
 */
class RedisAclTest {
  private static final Path REPO = Tools.repo();
  /** Signing in, finding a cluster's slots or Sentinel's primary, loading scripts: sent by the client library too. */
  private static final Set<String> CONNECTION = Set.of("hello", "auth", "ping", "select", "client|setname", "info",
      "role", "cluster|slots", "cluster|shards", "cluster|nodes", "cluster|info", "asking", "readonly", "readwrite",
      "evalsha", "eval", "script|load", "script|exists");
  private static final Pattern SCRIPT_CALL = Pattern.compile("redis\\.p?call\\('([A-Za-z]+)'");
  /** A script's command named by an argument: publish.lua's PUBLISH or SPUBLISH (a cluster's sharded pub/sub). */
  private static final Pattern CALL_BY_ARGUMENT = Pattern.compile("redis\\.p?call\\(ARGV");
  private static final Pattern CODE_COMMAND = Pattern.compile("Command\\.([A-Z_]+)");

  @Test
  void theGatewayUserAllowsExactlyWhatTheGatewayUses() throws IOException {
    Set<String> used = new TreeSet<>();
    Set<String> byArgument = new TreeSet<>();
    try (Stream<Path> scripts = Files.walk(REPO.resolve("gateway-node/src/main/resources/redis"))) {
      scripts.filter(p -> p.toString().endsWith(".lua")).forEach(p -> {
        String lua = read(p);
        SCRIPT_CALL.matcher(lua).results().forEach(m -> used.add(m.group(1).toLowerCase(Locale.ROOT)));
        if (CALL_BY_ARGUMENT.matcher(lua).find()) {
          byArgument.add(p.getFileName().toString());
        }
      });
    }
    assertEquals(Set.of("publish.lua"), byArgument, "the scripts that call a command named by an argument");
    used.addAll(Set.of("publish", "spublish"));
    try (Stream<Path> code = Files.walk(REPO.resolve("gateway-node/src/main/java"))) {
      code.filter(p -> p.toString().endsWith(".java")).forEach(p -> CODE_COMMAND.matcher(read(p)).results()
          .map(m -> m.group(1).toLowerCase(Locale.ROOT)).filter(c -> !c.equals("cluster") && !c.equals("script")
              && !c.equals("sentinel")) // subcommands, in CONNECTION; SENTINEL goes to the sentinels' own user
          .forEach(used::add));
    }
    Set<String> allowed = allowedToTheGateway();
    Set<String> data = new TreeSet<>(allowed);
    data.removeAll(CONNECTION);
    Set<String> missing = new TreeSet<>(used);
    missing.removeAll(allowed);
    assertTrue(missing.isEmpty(), "used but not allowed to the gateway user: " + missing);
    Set<String> unused = new TreeSet<>(data);
    unused.removeAll(used);
    assertTrue(unused.isEmpty(), "allowed to the gateway user but used by nothing: " + unused);
  }

  private static Set<String> allowedToTheGateway() throws IOException {
    String line = Files.readAllLines(REPO.resolve("redis/users.conf")).stream()
        .filter(l -> l.startsWith("user gateway ")).findFirst().orElseThrow();
    Set<String> allowed = new TreeSet<>();
    Matcher m = Pattern.compile(" \\+([a-z|]+)").matcher(line);
    while (m.find()) {
      allowed.add(m.group(1));
    }
    assertTrue(Arrays.asList(line.split(" ")).contains("-@all"), "the gateway user starts from nothing");
    return allowed;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
