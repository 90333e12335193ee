package chat.gateway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** An IP address or CIDR range ({@code 127.0.0.1}, {@code 10.0.0.0/8}, {@code ::1}), written as numbers only. */
public record AddressRange(byte[] network, int prefixBits) {

  /** Parses {@code text}; throws IllegalArgumentException saying what is wrong. */
  public static AddressRange parse(String text) {
    String[] parts = text.trim().split("/", 2);
    if (!parts[0].matches("[0-9A-Fa-f:.]+") || !(parts[0].contains(".") || parts[0].contains(":"))) {
      throw new IllegalArgumentException(text + " is not an IP address or CIDR range (names are not looked up)");
    }
    byte[] address;
    try {
      address = InetAddress.getByName(parts[0]).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(text + " is not an IP address", e);
    }
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
