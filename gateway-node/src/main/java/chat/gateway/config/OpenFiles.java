package chat.gateway.config;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;

/**
 * How many files (sockets included) this process may open: the bound under every other connection limit.
 * A node keeps {@value #RESERVE} of them for what is not a client (Redis, the management port, jars, API
 * requests), so a crowd of clients can never leave it unable to reach Redis or accept its own checks.
 */
final class OpenFiles {
  static final int RESERVE = 1000;
  /** Where the limit cannot be read (not a Unix JVM). */
  private static final int UNKNOWN = 1_000_000;

  private OpenFiles() {
  }

  static int limit() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
      return (int) Math.min(Integer.MAX_VALUE, unix.getMaxFileDescriptorCount());
    }
    return UNKNOWN;
  }
}
