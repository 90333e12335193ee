package chat.protocol.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where and as whom a {@link ChatClient} connects. Defaults: ws://localhost:8080/ws, device "default"; {@link #ssl}
 * for wss:// (the certificate checked against {@link #caFile}, else the JVM's trusted authorities, and the host name).
 */
public final class ClientOptions {
  private String host = "localhost";
  private int port = 8080;
  private String path = "/ws";
  private String localAddress;
  private boolean ssl;
  private String caFile;
  private String user;
  private String token;
  private java.util.function.Supplier<io.vertx.core.Future<String>> tokenSource;
  private Object data;
  private String device = "default";
  private int maxMessageBytes = 16 * 1024 * 1024;
  private final Map<String, String> headers = new LinkedHashMap<>();

  public String host() {
    return host;
  }

  public ClientOptions host(String host) {
    this.host = host;
    return this;
  }

  public int port() {
    return port;
  }

  public ClientOptions port(int port) {
    this.port = port;
    return this;
  }

  public String path() {
    return path;
  }

  public ClientOptions path(String path) {
    this.path = path;
    return this;
  }

  /** Source address to connect from (e.g. 127.0.0.7), or null for the default. */
  public String localAddress() {
    return localAddress;
  }

  public ClientOptions localAddress(String localAddress) {
    this.localAddress = localAddress;
    return this;
  }

  /** wss:// (TLS) instead of ws://. */
  public boolean ssl() {
    return ssl;
  }

  public ClientOptions ssl(boolean ssl) {
    this.ssl = ssl;
    return this;
  }

  /**
   * For wss://: a PEM file of the certificates to trust (e.g. a self-signed edge certificate), or null for the
   * JVM's trusted authorities.
   */
  public String caFile() {
    return caFile;
  }

  public ClientOptions caFile(String caFile) {
    this.caFile = caFile;
    return this;
  }

  /** Dev auth mode: the user name sent in {@code connect}. */
  public String user() {
    return user;
  }

  public ClientOptions user(String user) {
    this.user = user;
    return this;
  }

  /** JWT mode: the token sent in {@code connect}. */
  public String token() {
    return token;
  }

  public ClientOptions token(String token) {
    this.token = token;
    return this;
  }

  /**
   * A fresh token on demand (1.1): asked before each connect, and when the gateway says {@code expiring}, so a
   * session outlives its tokens. Null: {@link #token} for every connect, and the session ends with it.
   */
  public java.util.function.Supplier<io.vertx.core.Future<String>> tokenSource() {
    return tokenSource;
  }

  public ClientOptions tokenSource(java.util.function.Supplier<io.vertx.core.Future<String>> tokenSource) {
    this.tokenSource = tokenSource;
    return this;
  }

  /**
   * Hook sign-in (1.1): what {@code connect} carries to the application's connect hook as {@code data} (any JSON
   * value, at most 4 KiB), and what a refresh carries when the gateway says {@code expiring}; null: none.
   */
  public Object data() {
    return data;
  }

  public ClientOptions data(Object data) {
    this.data = data;
    return this;
  }

  public String device() {
    return device;
  }

  public ClientOptions device(String device) {
    this.device = device;
    return this;
  }

  /** Largest frame the client accepts (history pages can be large). */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  public ClientOptions maxMessageBytes(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
    return this;
  }

  public Map<String, String> headers() {
    return headers;
  }

  public ClientOptions header(String name, String value) {
    headers.put(name, value);
    return this;
  }
}
