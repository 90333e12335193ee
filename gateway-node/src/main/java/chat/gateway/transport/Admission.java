package chat.gateway.transport;

import chat.gateway.config.GatewayConfig.AdmissionConfig;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Which WebSocket upgrades a node takes, decided before the upgrade (a refusal costs no WebSocket and no
 * Redis work): at most {@code maxConnections} open at once (so the node never runs out of file
 * descriptors), none while an event loop runs later than {@code maxLoopDelayMillis} (a node short of CPU
 * serves the sessions it has before it takes more), at most {@code pendingMax} connections between upgrade
 * and {@code connected}, of them at most {@code pendingPerSource} from one client address (so sockets that
 * never send {@code connect} cannot lock others out), and at most {@code ratePerSecond} new sessions a
 * second ({@code burst} saved up). A refusal says when to come back ({@code Retry-After}): long enough for
 * the node to take, at its rate, everyone it refused in the last second or two, so a crowd that waits as
 * told (Retry-After plus up to as long again) comes back spread out instead of all at once. Thread-safe:
 * every event loop upgrades.
 */
public final class Admission {
  private static final long MAX_RETRY_AFTER_SECONDS = 30;
  /** How long a late event loop keeps the node from taking new sessions. */
  static final long BUSY_HOLD_MILLIS = 2000;

  private final AdmissionConfig config;
  private final Clock clock;
  private final TokenBucket rate;
  private final Map<String, Integer> pendingBySource = new HashMap<>();
  private int pending;
  private int open;
  private long busyUntil = Long.MIN_VALUE;
  /** Refusals in the current second ({@code refusedSecond}) and in the one before. */
  private long refusedSecond;
  private int refusedNow;
  private int refusedBefore;

  /** What {@link #admit} decided: a ticket to release once the session is connected (or gone), or why not. */
  public sealed interface Decision {
  }

  /**
   * Admitted: {@link #connected} when the session got {@code connected} (it is no longer pending), and
   * {@link #closed} when the socket went away (it no longer counts as open). Each counts once.
   */
  public final class Ticket implements Decision {
    private final String source;
    private boolean pendingReleased;
    private boolean closed;

    private Ticket(String source) {
      this.source = source;
    }

    public void connected() {
      synchronized (Admission.this) {
        releasePending();
      }
    }

    public void closed() {
      synchronized (Admission.this) {
        releasePending();
        if (!closed) {
          closed = true;
          open--;
        }
      }
    }

    private void releasePending() {
      if (!pendingReleased) {
        pendingReleased = true;
        pending--;
        pendingBySource.computeIfPresent(source, (s, n) -> n == 1 ? null : n - 1);
      }
    }
  }

  /**
   * Refused: {@code reason} is a metric label (full, busy, pending, source, rate); come back after
   * {@code retryAfterSeconds}.
   */
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
    if (open >= config.maxConnections()) {
      return refuse("full", now);
    }
    if (now < busyUntil) {
      return refuse("busy", now);
    }
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
    open++;
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

  /**
   * An event loop ran its periodic tick {@code delayMillis} late. At or above {@code maxLoopDelayMillis}
   * the node takes no new session for {@value #BUSY_HOLD_MILLIS} ms: its CPU goes to the sessions it has.
   */
  public synchronized void loopDelay(long delayMillis) {
    if (delayMillis >= config.maxLoopDelayMillis()) {
      busyUntil = Math.max(busyUntil, clock.millis() + BUSY_HOLD_MILLIS);
    }
  }

  /** Connections admitted and not yet closed. */
  public synchronized int open() {
    return open;
  }

  /** Connections between upgrade and {@code connected} now. */
  public synchronized int pending() {
    return pending;
  }
}
