package chat.gateway.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The certificate HAProxy serves {@code wss://} with ({@code TLS_CERT} in haproxy/haproxy.cfg): one PEM file
 * holding the certificate chain and then its private key, as HAProxy reads it. Beside it, the same name
 * with {@code .crt}: the certificates alone, for clients to trust (a self-signed one has no other issuer).
 *
 * <pre>
 *   java -cp gateway-node.jar chat.gateway.tls.EdgeCertificate OUT.pem [--names localhost,127.0.0.1] [--from PEM]
 * </pre>
 *
 * <p>With {@code --from} (an operator's certificate: a CA's full chain and its key in one file), checks it
 * and copies it to OUT. Without, OUT is kept while it is valid for 30 more days and names {@code --names};
 * otherwise a new self-signed certificate for them is made (an EC P-256 key, 397 days, by the JRE's
 * {@code keytool}: the images have no {@code openssl}). Errors name {@code TLS_CERT}, the setting the file is for.
 */
public final class EdgeCertificate {
  static final Duration RENEW_BEFORE = Duration.ofDays(30);
  private static final int VALID_DAYS = 397; // the longest browsers accept for a server certificate
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");

  private EdgeCertificate() {
  }

  public static void main(String[] args) {
    try {
      if (args.length == 0 || args.length % 2 == 0) {
        throw new IllegalArgumentException("usage: EdgeCertificate OUT.pem [--names a,b] [--from PEM]");
      }
      Path out = Path.of(args[0]);
      List<String> names = List.of("localhost", "127.0.0.1");
      Path from = null;
      for (int i = 1; i < args.length; i += 2) {
        switch (args[i]) {
          case "--names" -> names = List.of(args[i + 1].split(","));
          case "--from" -> from = Path.of(args[i + 1]);
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      System.out.println(from != null ? copy(from, out) : ensureSelfSigned(out, names));
    } catch (IllegalArgumentException | IOException | GeneralSecurityException e) {
      System.err.println("edge certificate: " + e.getMessage());
      System.exit(1);
    }
  }

  /** Checks an operator's PEM (certificates and a private key; the first certificate in date) and copies it to {@code out}. */
  public static String copy(Path from, Path out) throws IOException, GeneralSecurityException {
    String pem = Files.readString(from, StandardCharsets.US_ASCII);
    List<X509Certificate> chain = certificates(pem);
    if (chain.isEmpty() || !hasPrivateKey(pem)) {
      throw new IllegalArgumentException("TLS_CERT (" + from + ") must hold the certificate chain and its private key"
          + " (unencrypted), PEM, in one file (e.g. cat fullchain.pem privkey.pem)");
    }
    X509Certificate leaf = chain.get(0);
    if (leaf.getNotAfter().toInstant().isBefore(Instant.now())) {
      throw new IllegalArgumentException("TLS_CERT (" + from + ") expired on " + leaf.getNotAfter().toInstant());
    }
    write(out, pem, chain);
    return "edge certificate: " + leaf.getSubjectX500Principal().getName() + " (TLS_CERT), valid until "
        + leaf.getNotAfter().toInstant();
  }

  /** Keeps {@code out} while it names {@code names} and is valid for 30 more days; else makes a self-signed one. */
  public static String ensureSelfSigned(Path out, List<String> names) throws IOException, GeneralSecurityException {
    if (Files.exists(out)) {
      List<X509Certificate> chain = certificates(Files.readString(out, StandardCharsets.US_ASCII));
      if (!chain.isEmpty() && fits(chain.get(0), names)) {
        return "edge certificate kept: valid until " + chain.get(0).getNotAfter().toInstant();
      }
    }
    Path dir = Files.createTempDirectory("edge-certificate");
    try {
      Path store = dir.resolve("edge.p12");
      String password = UUID.randomUUID().toString();
      keytool("-genkeypair", "-alias", "edge", "-keyalg", "EC", "-groupname", "secp256r1",
          "-sigalg", "SHA256withECDSA", "-validity", Integer.toString(VALID_DAYS), "-dname", "CN=" + names.get(0),
          "-ext", "SAN=" + subjectAlternativeNames(names), "-storetype", "PKCS12", "-keystore", store.toString(),
          "-storepass", password, "-keypass", password);
      KeyStore keyStore = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        keyStore.load(in, password.toCharArray());
      }
      List<X509Certificate> chain = new ArrayList<>();
      for (Certificate certificate : keyStore.getCertificateChain("edge")) {
        chain.add((X509Certificate) certificate);
      }
      PrivateKey key = (PrivateKey) keyStore.getKey("edge", password.toCharArray());
      write(out, pem(chain) + block("PRIVATE KEY", key.getEncoded()), chain);
      return "edge certificate made: self-signed for " + String.join(", ", names) + ", valid until "
          + chain.get(0).getNotAfter().toInstant() + "; clients trust " + certificatesOnly(out);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(dir);
    }
  }

  /** Where the certificates alone go: {@code edge.pem} → {@code edge.crt}. */
  public static Path certificatesOnly(Path out) {
    String name = out.getFileName().toString();
    return out.resolveSibling((name.endsWith(".pem") ? name.substring(0, name.length() - 4) : name) + ".crt");
  }

  private static boolean fits(X509Certificate certificate, List<String> names) throws GeneralSecurityException {
    if (certificate.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE))) {
      return false;
    }
    Set<String> named = new HashSet<>();
    Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
    if (alternatives != null) {
      alternatives.forEach(entry -> named.add(String.valueOf(entry.get(1))));
    }
    return named.equals(new HashSet<>(names));
  }

  private static String subjectAlternativeNames(List<String> names) {
    List<String> entries = new ArrayList<>();
    for (String name : names) {
      if (name.isBlank()) {
        throw new IllegalArgumentException("--names has an empty name");
      }
      entries.add((name.matches("[0-9.]+|.*:.*") ? "ip:" : "dns:") + name.trim());
    }
    return String.join(",", entries);
  }

  private static void keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IOException("keytool failed: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while keytool ran", e);
    }
  }

  /** Writes {@code pem} to {@code out} (owner only) and the certificates alone beside it, each file replaced at once. */
  private static void write(Path out, String pem, List<X509Certificate> chain) throws IOException, GeneralSecurityException {
    replace(out, pem, "rw-------");
    replace(certificatesOnly(out), pem(chain), "rw-r--r--");
  }

  private static void replace(Path target, String content, String permissions) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Path temporary = Files.createTempFile(parent, ".edge", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(temporary, content, StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString(permissions));
    Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static List<X509Certificate> certificates(String pem) throws GeneralSecurityException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> chain = new ArrayList<>();
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      if (m.group(1).equals("CERTIFICATE")) {
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        chain.add((X509Certificate) factory.generateCertificate(new java.io.ByteArrayInputStream(der)));
      }
    }
    return chain;
  }

  private static boolean hasPrivateKey(String pem) {
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      if (m.group(1).endsWith("PRIVATE KEY") && !m.group(1).contains("ENCRYPTED")) {
        return true;
      }
    }
    return false;
  }

  private static String pem(List<X509Certificate> chain) throws GeneralSecurityException {
    StringBuilder pem = new StringBuilder();
    for (X509Certificate certificate : chain) {
      pem.append(block("CERTIFICATE", certificate.getEncoded()));
    }
    return pem.toString();
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
