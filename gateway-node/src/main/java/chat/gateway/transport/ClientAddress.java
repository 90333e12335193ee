package chat.gateway.transport;

import chat.gateway.config.AddressRange;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.util.List;

/**
 * The address a connection comes from, for per-client limits: the TCP peer, or, when the peer is a trusted
 * proxy ({@code TRUSTED_PROXIES}, e.g. the load balancer), the nearest address in {@code X-Forwarded-For}
 * that is not itself a trusted proxy. Without trusted proxies the header is ignored (anyone can write it).
 *
 * <p>Only the hops the proxies added are believed: every header line is read, in order, and the list is
 * walked from the right. A proxy that appends (HAProxy's {@code option forwardfor}) writes its own line
 * after any the client sent, so the first line, or the leftmost hop, is the client's own word: a client
 * that writes someone else's address there must not be counted as them.
 */
final class ClientAddress {
  private final List<AddressRange> trusted;

  ClientAddress(List<AddressRange> trusted) {
    this.trusted = trusted;
  }

  String of(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    String address = peer == null || peer.hostAddress() == null ? "unknown" : peer.hostAddress();
    if (trusted.isEmpty() || !isTrusted(address)) {
      return address;
    }
    List<String> lines = request.headers().getAll("X-Forwarded-For");
    for (int line = lines.size() - 1; line >= 0; line--) {
      String[] hops = lines.get(line).split(",");
      for (int i = hops.length - 1; i >= 0; i--) {
        String hop = hops[i].trim();
        if (!hop.isEmpty() && !isTrusted(hop)) {
          return hop;
        }
      }
    }
    return address;
  }

  /** Whether the TCP peer of {@code request} is a trusted proxy (the load balancer). */
  boolean viaProxy(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    return !trusted.isEmpty() && peer != null && peer.hostAddress() != null && isTrusted(peer.hostAddress());
  }

  private boolean isTrusted(String address) {
    InetAddress parsed = AddressRange.numeric(address);
    return parsed != null && trusted.stream().anyMatch(range -> range.contains(parsed));
  }
}
