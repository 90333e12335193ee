package chat.gateway.suite.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.EdgeProxy;
import chat.gateway.testing.TestNode;
import chat.gateway.tls.EdgeCertificate;
import chat.protocol.ServerFrame;
import chat.protocol.client.ChatClient;
import chat.protocol.client.ClientOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS at the edge: HAProxy with the shared configuration and a certificate made the way compose makes it
 * ({@link EdgeCertificate}), in front of a node. Clients speak wss:// trusting that certificate; the
 * listener takes only current protocol versions and forward-secret AEAD ciphers, and says HSTS.
 */
class EdgeTlsTest {
  @TempDir
  Path dir;
  private TestNode node;
  private EdgeProxy haproxy;
  private Path pem;

  @BeforeEach
  void start() throws Exception {
    node = TestNode.start();
    pem = dir.resolve("edge.pem");
    EdgeCertificate.ensureSelfSigned(pem, List.of("localhost", "127.0.0.1"));
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (haproxy != null) {
      haproxy.close();
    }
    node.close();
  }

  private void proxy(String... settings) throws IOException {
    Map<String, String> env = new HashMap<>(Map.of("TLS_CERT", pem.toString()));
    for (int i = 0; i < settings.length; i += 2) {
      env.put(settings[i], settings[i + 1]);
    }
    haproxy = EdgeProxy.start(node.port(), node.gateway().managementPort(), env);
  }

  private ChatClient client(String user, String caFile) {
    return new ChatClient(node.clientVertx(), new ClientOptions().host("127.0.0.1").port(haproxy.tlsPort())
        .ssl(true).caFile(caFile).user(user));
  }

  @Test
  void theJavaClientChatsOverWssTrustingTheEdgeCertificate() throws Exception {
    proxy();
    String ca = EdgeCertificate.certificatesOnly(pem).toString();
    ChatClient alice = client("alice", ca);
    ChatClient bob = client("bob", ca);
    List<ServerFrame.Message> received = new CopyOnWriteArrayList<>();
    bob.onMessage(received::add);
    Await.result(alice.connect(20));
    Await.result(bob.connect(20));
    Await.result(bob.join("group/tls"));
    Await.result(alice.join("group/tls"));
    Await.result(alice.send("group/tls", "over wss"));
    Await.until("bob got it", () -> received.size() == 1);
    assertEquals("over wss", received.get(0).body());
    Await.result(alice.shutdown());
    Await.result(bob.shutdown());
  }

  @Test
  void aClientRefusesAnEdgeItDoesNotTrustOrThatIsNamedForAnotherHost() throws Exception {
    proxy();
    ChatClient untrusting = client("eve", null); // the JVM's authorities never signed a self-signed certificate
    String refusal = chain(Await.failure(untrusting.connect()));
    assertTrue(refusal.contains("SSLHandshakeException"), refusal);
    Await.result(untrusting.shutdown());

    Path other = dir.resolve("other.pem");
    EdgeCertificate.ensureSelfSigned(other, List.of("chat.example"));
    haproxy.close();
    pem = other;
    proxy();
    ChatClient misnamed = client("eve", EdgeCertificate.certificatesOnly(other).toString());
    String misnaming = chain(Await.failure(misnamed.connect()));
    assertTrue(misnaming.contains("SSLHandshakeException"), "127.0.0.1 is not chat.example: " + misnaming);
    Await.result(misnamed.shutdown());
  }

  @Test
  void tlsAnswersSayHstsExceptToLocalhost() throws Exception {
    proxy();
    String header = "strict-transport-security: max-age=63072000";
    Await.until("HAProxy routes over TLS", () -> {
      try {
        return head(tls(null, null), "chat.example").startsWith("HTTP/1.1 200");
      } catch (Exception e) {
        return false;
      }
    });
    assertTrue(head(tls(null, null), "chat.example").contains(header), "a real host name gets HSTS");
    assertFalse(head(tls(null, null), "localhost:" + haproxy.tlsPort()).contains("strict-transport"),
        "a browser would keep it for every port of this machine");
    assertFalse(head(new Socket("127.0.0.1", haproxy.publicPort()), "chat.example").contains("strict-transport"),
        "never over plain http, where it means nothing");

    haproxy.close();
    proxy("HSTS_MAX_AGE", "600");
    assertTrue(head(tls(null, null), "chat.example").contains("strict-transport-security: max-age=600"));
  }

  @Test
  void onlyForwardSecretAeadCiphersAndTheVersionsAsked() throws Exception {
    proxy();
    assertEquals("TLSv1.3", handshake(tls("TLSv1.3", null)));
    assertEquals("TLSv1.2", handshake(tls("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")));
    // a CBC suite, offered alone, which the JDK would use but Mozilla's profiles leave out
    assertThrows(SSLHandshakeException.class, () -> handshake(tls("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256")));

    haproxy.close();
    proxy("TLS_MIN_VERSION", "TLSv1.3");
    assertThrows(SSLHandshakeException.class, () -> handshake(tls("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")));
    assertEquals("TLSv1.3", handshake(tls("TLSv1.3", null)));
  }

  /** A TLS socket to the edge trusting its certificate, limited to {@code protocol} and {@code cipher} where given. */
  private SSLSocket tls(String protocol, String cipher) throws Exception {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(EdgeCertificate.certificatesOnly(pem))) {
      trusted.setCertificateEntry("edge", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", haproxy.tlsPort());
    socket.setSoTimeout(10_000);
    if (protocol != null) {
      socket.setEnabledProtocols(new String[] {protocol});
    }
    if (cipher != null) {
      socket.setEnabledCipherSuites(new String[] {cipher});
    }
    return socket;
  }

  private static String handshake(SSLSocket socket) throws IOException {
    try (socket) {
      socket.startHandshake();
      return socket.getSession().getProtocol();
    }
  }

  /** The status line and headers (lower case) of GET / with {@code host} as the Host header. */
  private static String head(Socket socket, String host) throws IOException {
    try (socket) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      int end = response.indexOf("\r\n\r\n");
      return (end < 0 ? response : response.substring(0, end)).toLowerCase(java.util.Locale.ROOT)
          .replaceFirst("^http/1.1", "HTTP/1.1");
    }
  }

  private static String chain(Throwable failure) {
    StringBuilder names = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      names.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
    }
    return names.toString();
  }
}
