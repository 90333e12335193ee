package chat.gateway.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * HAProxy with the shared configuration (haproxy/haproxy.cfg, as compose and scripts/cluster.sh run it) in
 * front of one server, on free loopback ports: the public frontend, the stats frontend and, when
 * {@code TLS_CERT} is among the settings, the TLS listener. Returned once the public port accepts.
 */
public final class EdgeProxy implements AutoCloseable {
  private final Process haproxy;
  private final int publicPort;
  private final int statsPort;
  private final int tlsPort;

  private EdgeProxy(Process haproxy, int publicPort, int statsPort, int tlsPort) {
    this.haproxy = haproxy;
    this.publicPort = publicPort;
    this.statsPort = statsPort;
    this.tlsPort = tlsPort;
  }

  /** In front of the server on {@code port}, checked ({@code /ready}) on {@code checkPort}; {@code env} on top. */
  public static EdgeProxy start(int port, int checkPort, Map<String, String> env) throws IOException {
    int publicPort = Tools.freePort();
    int statsPort = Tools.freePort();
    int tlsPort = Tools.freePort();
    Path backend = Files.createTempFile("backend", ".cfg");
    Files.writeString(backend, "backend gateways\n    server gw-1 127.0.0.1:" + port + " check\n");
    ProcessBuilder builder = new ProcessBuilder("haproxy", "-f", "haproxy/haproxy.cfg", "-f", backend.toString())
        .directory(Tools.repo().toFile()).redirectErrorStream(true)
        .redirectOutput(Files.createTempFile("haproxy", ".log").toFile());
    builder.environment().put("PUBLIC_BIND", "127.0.0.1:" + publicPort);
    builder.environment().put("STATS_BIND", "127.0.0.1:" + statsPort);
    builder.environment().put("TLS_BIND", "127.0.0.1:" + tlsPort);
    builder.environment().put("MGMT_PORT", Integer.toString(checkPort));
    builder.environment().putAll(env);
    EdgeProxy proxy = new EdgeProxy(builder.start(), publicPort, statsPort, tlsPort);
    // from another source address: tests of the per-source caps count 127.0.0.1's connections only
    Await.until("HAProxy listens", () -> {
      try (Socket probe = new Socket("127.0.0.1", publicPort, InetAddress.getByName("127.0.0.2"), 0)) {
        return true;
      } catch (IOException e) {
        return false;
      }
    });
    return proxy;
  }

  public int publicPort() {
    return publicPort;
  }

  public int statsPort() {
    return statsPort;
  }

  /** The TLS listener's port (listening only with {@code TLS_CERT} set). */
  public int tlsPort() {
    return tlsPort;
  }

  @Override
  public void close() throws InterruptedException {
    haproxy.destroyForcibly().waitFor();
  }
}
