package chat.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EdgeCertificateTest {
  @TempDir
  Path dir;

  @Test
  void aSelfSignedCertificateForTheNamesWithItsKeyForHaproxyAndAloneForClients() throws Exception {
    Path pem = dir.resolve("edge.pem");
    EdgeCertificate.ensureSelfSigned(pem, List.of("localhost", "127.0.0.1"));
    String bundle = Files.readString(pem);
    assertTrue(bundle.indexOf("BEGIN CERTIFICATE") < bundle.indexOf("BEGIN PRIVATE KEY"), "chain, then key");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pem)));
    Path crt = EdgeCertificate.certificatesOnly(pem);
    assertEquals(dir.resolve("edge.crt"), crt);
    assertTrue(!Files.readString(crt).contains("PRIVATE KEY"), "clients get the certificate, never the key");
    X509Certificate certificate = EdgeCertificate.certificates(bundle).get(0);
    assertTrue(certificate.getNotAfter().toInstant().isAfter(Instant.now().plus(EdgeCertificate.RENEW_BEFORE)));
    assertEquals(List.of(List.of(2, "localhost"), List.of(7, "127.0.0.1")),
        List.copyOf(certificate.getSubjectAlternativeNames()));
  }

  @Test
  void keptWhileItFitsRemadeForOtherNames() throws Exception {
    Path pem = dir.resolve("edge.pem");
    EdgeCertificate.ensureSelfSigned(pem, List.of("localhost"));
    String first = Files.readString(pem);
    assertTrue(EdgeCertificate.ensureSelfSigned(pem, List.of("localhost")).contains("kept"));
    assertEquals(first, Files.readString(pem), "a restart keeps what clients already trust");
    EdgeCertificate.ensureSelfSigned(pem, List.of("localhost", "chat.lan"));
    assertNotEquals(first, Files.readString(pem));
  }

  @Test
  void anOperatorsCertificateIsCheckedAndCopied() throws Exception {
    Path made = dir.resolve("made.pem");
    EdgeCertificate.ensureSelfSigned(made, List.of("chat.example"));
    Path out = dir.resolve("out/edge.pem");
    Files.createDirectories(out.getParent());
    EdgeCertificate.copy(made, out);
    assertEquals(Files.readString(made), Files.readString(out));
    assertEquals(Files.readString(EdgeCertificate.certificatesOnly(made)),
        Files.readString(EdgeCertificate.certificatesOnly(out)));

    Path keyless = dir.resolve("fullchain.pem");
    Files.writeString(keyless, Files.readString(EdgeCertificate.certificatesOnly(made)), StandardCharsets.US_ASCII);
    String message = assertThrows(IllegalArgumentException.class, () -> EdgeCertificate.copy(keyless, out)).getMessage();
    assertTrue(message.startsWith("TLS_CERT (" + keyless + ") must hold the certificate chain and its private key"), message);
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    assertThrows(IllegalArgumentException.class, () -> EdgeCertificate.copy(empty, out));
  }
}
