package chat.gateway.transport;

import chat.gateway.config.GatewayConfig.AdmissionConfig;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Which WebSocket upgrades a node takes, decided before the upgrade (a refusal costs no WebSocket and no
 * Redis work): at most {@code pendingMax} connections between upgrade and {@code connected}, of them at
 * most {@code pendingPerSource} from one client address (so sockets that never send {@code connect}
 * cannot lock others out), and at most {@code ratePerSecond} new sessions a second ({@code burst} saved
 * up). A refusal says when to come back ({@code Retry-After}): long enough for the node to take, at its
 * rate, everyone it refused in the last second or two, so a crowd that waits as told (Retry-After plus up
 * to as long again) comes back spread out instead of all at once. Thread-safe: every event loop upgrades.
 */
public final class Admission {
  private static final long MAX_RETRY_AFTER_SECONDS = 30;

  private final AdmissionConfig config;
  private final Clock clock;
  private final TokenBucket rate;
  private final Map<String, Integer> pendingBySource = new HashMap<>();
  private int pending;
  /** Refusals in the current second ({@code refusedSecond}) and in the one before. */
  private long refusedSecond;
  private int refusedNow;
  private int refusedBefore;

  /** What {@link #admit} decided: a ticket to release once the session is connected (or gone), or why not. */
  public sealed interface Decision {
  }

  /** Admitted: {@link #release} once, when the session got {@code connected} or the socket went away. */
  public final class Ticket implements Decision {
    private final String source;
    private boolean released;

    private Ticket(String source) {
      this.source = source;
    }

    public void release() {
      synchronized (Admission.this) {
        if (released) {
          return;
        }
        released = true;
        pending--;
        pendingBySource.computeIfPresent(source, (s, n) -> n == 1 ? null : n - 1);
      }
    }
  }

  /** Refused: {@code reason} is a metric label (rate, pending, source); come back after {@code retryAfterSeconds}. */
  public record Refused(String reason, long retryAfterSeconds) implements Decision {
  }

  public Admission(AdmissionConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.rate = new TokenBucket(config.ratePerSecond(), config.burst(), clock.millis());
  }

  /** Admits an upgrade from client address {@code source}, or says why not and when to retry. */
  public synchronized Decision admit(String source) {
    long now = clock.millis();
    if (pending >= config.pendingMax()) {
      return refuse("pending", now);
    }
    if (pendingBySource.getOrDefault(source, 0) >= config.pendingPerSource()) {
      return refuse("source", now);
    }
    if (!rate.tryTake(now)) {
      return refuse("rate", now);
    }
    pending++;
    pendingBySource.merge(source, 1, Integer::sum);
    return new Ticket(source);
  }

  private Refused refuse(String reason, long now) {
    long second = now / 1000;
    if (second != refusedSecond) {
      refusedBefore = second == refusedSecond + 1 ? refusedNow : 0;
      refusedNow = 0;
      refusedSecond = second;
    }
    refusedNow++;
    double backlogSeconds = (refusedNow + refusedBefore) / config.ratePerSecond();
    return new Refused(reason, Math.max(1, Math.min(MAX_RETRY_AFTER_SECONDS, (long) Math.ceil(backlogSeconds))));
  }

  /** Connections between upgrade and {@code connected} now. */
  public synchronized int pending() {
    return pending;
  }
}
