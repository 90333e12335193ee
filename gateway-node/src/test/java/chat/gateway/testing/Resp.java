package chat.gateway.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One Redis command over a fresh connection, its reply parsed (RESP2): a String (simple or bulk; null for a
 * null bulk), a Long, a List, or a {@link Error} for an error reply. For tests that look at Redis directly.
 */
public final class Resp {
  private Resp() {
  }

  /** An error reply ({@code -MOVED 3999 127.0.0.1:7001}, ...). */
  public record Error(String message) {
  }

  /**
   * {@code args} as the tests' admin user ({@link RedisUsers}), whose AUTH is sent first and its answer passed
   * over: a Redis without the tests' users (a REDIS_URL of the developer's) runs the command as its default
   * user. Null when the connection ends unanswered (SHUTDOWN).
   */
  public static Object call(String host, int port, String... args) {
    return callAs(host, port, RedisUsers.ADMIN, RedisUsers.ADMIN_PASSWORD, args);
  }

  /** What follows {@code field:} in {@code INFO section} of the Redis on {@code host:port}, if it is there. */
  public static java.util.Optional<String> info(String host, int port, String section, String field) {
    String prefix = field + ":";
    return ((String) call(host, port, "INFO", section)).lines().filter(l -> l.startsWith(prefix)).findFirst()
        .map(l -> l.substring(prefix.length()).trim());
  }

  /** {@code args} signed in as {@code user} (null: as the default user, no AUTH). */
  public static Object callAs(String host, int port, String user, String password, String... args) {
    try (Socket socket = new Socket(host, port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      if (user != null) {
        out.write(encode("AUTH", user, password));
      }
      out.write(encode(args));
      out.flush();
      BufferedInputStream in = new BufferedInputStream(socket.getInputStream());
      if (user != null) {
        read(in);
      }
      return read(in);
    } catch (IOException e) {
      throw new IllegalStateException("redis " + host + ":" + port + " " + String.join(" ", args) + " failed: "
          + e.getMessage(), e);
    }
  }

  /** A command as Redis reads it (a RESP array of bulk strings). */
  public static byte[] encode(String... args) {
    StringBuilder resp = new StringBuilder("*").append(args.length).append("\r\n");
    for (String arg : args) {
      resp.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
    }
    return resp.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static Object read(InputStream in) throws IOException {
    int type = in.read();
    if (type == -1) {
      return null;
    }
    String line = line(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        return new Error(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int length = Integer.parseInt(line);
        if (length < 0) {
          return null;
        }
        byte[] data = in.readNBytes(length);
        in.readNBytes(2);
        return new String(data, StandardCharsets.UTF_8);
      }
      case '*': {
        int count = Integer.parseInt(line);
        if (count < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          items.add(read(in));
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP type " + (char) type + " " + line);
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\r') {
      sb.append((char) c);
    }
    in.read(); // \n
    return sb.toString();
  }
}
