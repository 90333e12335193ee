package chat.gateway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/** An IP address or CIDR range ({@code 127.0.0.1}, {@code 10.0.0.0/8}, {@code ::1}), written as numbers only. */
public record AddressRange(byte[] network, int prefixBits) {

  private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  /**
   * The address {@code text} writes as numbers (IPv4 dotted quad or IPv6), or null for anything else. Never
   * looks a name up: InetAddress would send a string like {@code 1.2.3.4.5} to DNS, blocking the caller.
   */
  public static InetAddress numeric(String text) {
    if (!IPV4.matcher(text).matches() && !IPV6.matcher(text).matches()) {
      return null;
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** Parses {@code text}; throws IllegalArgumentException saying what is wrong. */
  public static AddressRange parse(String text) {
    String[] parts = text.trim().split("/", 2);
    InetAddress parsed = numeric(parts[0]);
    if (parsed == null) {
      throw new IllegalArgumentException(text + " is not an IP address or CIDR range (names are not looked up)");
    }
    byte[] address = parsed.getAddress();
    int bits = address.length * 8;
    if (parts.length == 2) {
      try {
        bits = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        bits = -1;
      }
      if (bits < 0 || bits > address.length * 8) {
        throw new IllegalArgumentException(text + " has a prefix length outside 0.." + address.length * 8);
      }
    }
    return new AddressRange(address, bits);
  }

  public boolean contains(InetAddress address) {
    byte[] other = address.getAddress();
    if (other.length != network.length) {
      return false;
    }
    int whole = prefixBits / 8;
    if (!Arrays.equals(network, 0, whole, other, 0, whole)) {
      return false;
    }
    int rest = prefixBits % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (network[whole] & mask) == (other[whole] & mask);
  }
}
