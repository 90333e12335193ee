package chat.gateway.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;

/** Whether a bind address is reachable only from this machine, and which address others reach it by. */
final class Loopback {
  private Loopback() {
  }

  /** True for localhost and loopback addresses (127.0.0.0/8, ::1); false for wildcards and the rest. */
  static boolean is(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    InetAddress address = AddressRange.numeric(host);
    return address != null && address.isLoopbackAddress();
  }

  /**
   * The host of a bind address as Docker and HAProxy write it: {@code 127.0.0.1:8080}, {@code [::1]:8080},
   * {@code localhost:8080}; a port alone ({@code 8080}) binds every interface ({@code 0.0.0.0}).
   */
  static String hostOf(String bind) {
    String b = bind.trim();
    if (b.startsWith("[")) {
      int end = b.indexOf(']');
      return end < 0 ? b : b.substring(1, end);
    }
    int colon = b.lastIndexOf(':');
    if (colon < 0) {
      return b.chars().allMatch(Character::isDigit) ? "0.0.0.0" : b;
    }
    return b.indexOf(':') == colon ? b.substring(0, colon) : b; // one colon: host:port; more: a bare IPv6
  }

  /**
   * The address other nodes and operators reach a server bound to {@code host} by: {@code host} itself,
   * or for a wildcard bind (0.0.0.0, ::) this machine's first non-loopback IPv4 address (a container's
   * own address), else the address its host name resolves to, else 127.0.0.1 (a machine with no network).
   */
  static String advertised(String host) {
    InetAddress bound = AddressRange.numeric(host);
    if (bound == null || !bound.isAnyLocalAddress()) {
      return host;
    }
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address) {
            return address.getHostAddress();
          }
        }
      }
      return InetAddress.getLocalHost().getHostAddress();
    } catch (SocketException | UnknownHostException e) {
      return "127.0.0.1";
    }
  }
}
