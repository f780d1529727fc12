package org.polarisagent.it.harness;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.polarisagent.testing.Poll;

/**
 * Cumulative counts of an {@code EchoConsumer} from its last {@code PROGRESS} line (one a second),
 * or the difference between two of them (a window).
 */
public record ConsumerProgress(long ok, long failed, Map<String, Long> perInstance) {

  private static final Pattern PROGRESS =
      Pattern.compile("PROGRESS second=(\\d+) sent=\\d+ ok=(\\d+) failed=(\\d+) instances=(\\S*)");
  private static final Pattern INSTANCE = Pattern.compile("INSTANCE name=(\\S+) count=(\\d+)");

  /** The consumer's counts as of its last PROGRESS line; zero before the first. */
  public static ConsumerProgress of(ForkedApp consumer) {
    ConsumerProgress last = new ConsumerProgress(0, 0, Map.of());
    for (ConsumerProgress progress : bySecond(consumer).values()) {
      last = progress;
    }
    return last;
  }

  /** The consumer's counts as of each of its PROGRESS lines, by the second the line names. */
  public static SortedMap<Integer, ConsumerProgress> bySecond(ForkedApp consumer) {
    SortedMap<Integer, ConsumerProgress> seconds = new TreeMap<>();
    for (String line : consumer.lines()) {
      Matcher m = PROGRESS.matcher(line);
      if (m.matches()) {
        Map<String, Long> counts = new HashMap<>();
        for (String pair : m.group(4).split(",")) {
          int colon = pair.lastIndexOf(':');
          if (colon > 0) {
            counts.put(pair.substring(0, colon), Long.parseLong(pair.substring(colon + 1)));
          }
        }
        seconds.put(
            Integer.parseInt(m.group(1)),
            new ConsumerProgress(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), counts));
      }
    }
    return seconds;
  }

  /**
   * Polls the consumer's counts every {@code interval} until they satisfy {@code condition}, for at
   * most {@code timeout}; returns them. See {@link Poll#until(Duration, Duration,
   * java.util.function.Supplier, Predicate, String)}.
   */
  public static ConsumerProgress until(
      ForkedApp consumer,
      Duration timeout,
      Duration interval,
      Predicate<ConsumerProgress> condition,
      String what) {
    return Poll.until(timeout, interval, () -> of(consumer), condition, what);
  }

  /**
   * Polls the consumer's counts every {@code interval}, for at most {@code timeout}, until each of
   * {@code instances} answered at least one call; returns them.
   */
  public static ConsumerProgress awaitReached(
      ForkedApp consumer, Duration timeout, Duration interval, String... instances) {
    return until(
        consumer,
        timeout,
        interval,
        p -> p.reached(instances),
        "calls on " + String.join(", ", instances));
  }

  /**
   * Polls the consumer's counts every {@code interval}, for at most {@code timeout}, until it has
   * answered {@code calls} more calls than at {@code start}; returns what happened since {@code
   * start}.
   */
  public static ConsumerProgress awaitMoreAnswered(
      ForkedApp consumer, ConsumerProgress start, long calls, Duration timeout, Duration interval) {
    return until(
            consumer,
            timeout,
            interval,
            p -> p.minus(start).ok() >= calls,
            calls + " more answered calls")
        .minus(start);
  }

  /**
   * Checks the consumer's counts every {@code interval} for {@code period}, failing as soon as they
   * do not satisfy {@code condition}. See {@link Poll#holds}.
   */
  public static void holds(
      ForkedApp consumer,
      Duration period,
      Duration interval,
      Predicate<ConsumerProgress> condition,
      String what) {
    Poll.holds(period, interval, () -> of(consumer), condition, what);
  }

  /** Calls answered by one instance. */
  public long count(String instance) {
    return perInstance.getOrDefault(instance, 0L);
  }

  public long total() {
    return ok + failed;
  }

  /** Whether each of these instances answered at least one call. */
  public boolean reached(String... instances) {
    for (String instance : instances) {
      if (count(instance) == 0) {
        return false;
      }
    }
    return true;
  }

  /** How many instances answered at least one call. */
  public long answering() {
    return perInstance.values().stream().filter(count -> count > 0).count();
  }

  /** Whether no instance but these answered. */
  public boolean onlyOn(String... instances) {
    Set<String> allowed = Set.of(instances);
    return perInstance.entrySet().stream()
        .allMatch(e -> e.getValue() == 0 || allowed.contains(e.getKey()));
  }

  /** What happened between an earlier progress and this one. */
  public ConsumerProgress minus(ConsumerProgress earlier) {
    Map<String, Long> counts = new HashMap<>();
    perInstance.forEach((k, v) -> counts.put(k, v - earlier.count(k)));
    return new ConsumerProgress(ok - earlier.ok, failed - earlier.failed, counts);
  }

  /**
   * Waits until the consumer is past its start: a window of PROGRESS lines (one a second) longer
   * than the consumer's call deadline, with answered calls and no failure, so that no call from the
   * start-up (which may time out while the first resolution runs on a busy machine) can still fail
   * after it. Returns the counts at that point, for tests that then assert that no further call
   * fails.
   */
  public static ConsumerProgress awaitSteady(
      ForkedApp consumer, Duration callDeadline, Duration timeout) {
    int lines = (int) Math.max(2, (callDeadline.toMillis() + 999) / 1000 + 1);
    awaitWindow(consumer, timeout, lines, w -> w.ok() > 0 && w.failed() == 0, "a steady consumer");
    return of(consumer);
  }

  /**
   * The failed calls of a consumer with a 3 s call deadline once it is steady ({@link
   * #awaitSteady}, for at most 30 s).
   */
  public static long failedOnceSteady(ForkedApp consumer) {
    return awaitSteady(consumer, Duration.ofSeconds(3), Duration.ofSeconds(30)).failed();
  }

  /**
   * Calls answered per instance, from the {@code INSTANCE} lines a consumer prints when it ends.
   */
  public static Map<String, Integer> callsPerInstance(ForkedApp consumer) {
    Map<String, Integer> counts = new HashMap<>();
    for (String line : consumer.lines()) {
      Matcher instance = INSTANCE.matcher(line);
      if (instance.matches()) {
        counts.put(instance.group(1), Integer.parseInt(instance.group(2)));
      }
    }
    return counts;
  }

  /**
   * Waits until the calls of some window of two PROGRESS lines satisfy {@code condition}; each
   * window starts where the previous one ended.
   */
  public static ConsumerProgress awaitWindow(
      ForkedApp consumer, Duration timeout, Predicate<ConsumerProgress> condition, String what) {
    return awaitWindow(consumer, timeout, 2, condition, what);
  }

  /**
   * Waits until a window of two PROGRESS lines has at least 40 calls and none failed: the sign that
   * a failing instance's breaker is open.
   */
  public static ConsumerProgress awaitBreakerOpen(ForkedApp consumer, Duration timeout) {
    return awaitWindow(
        consumer,
        timeout,
        w -> w.total() >= 40 && w.failed() == 0,
        "a window without failures once the failing instance's breaker is open");
  }

  /**
   * Like {@link #awaitWindow(ForkedApp, Duration, Predicate, String)} with windows of {@code lines}
   * lines; returns the window that satisfied the condition.
   */
  public static ConsumerProgress awaitWindow(
      ForkedApp consumer,
      Duration timeout,
      int lines,
      Predicate<ConsumerProgress> condition,
      String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    ConsumerProgress window = null;
    while (System.nanoTime() < deadline) {
      ConsumerProgress start = of(consumer);
      int from = consumer.lineCount();
      for (int i = 0; i < lines; i++) {
        consumer.awaitLine(PROGRESS, Duration.ofSeconds(10), from);
        from = consumer.lineCount();
      }
      window = of(consumer).minus(start);
      if (condition.test(window)) {
        return window;
      }
    }
    throw new AssertionError(
        "timed out after "
            + timeout
            + " waiting for "
            + what
            + "; last window "
            + window
            + "; "
            + consumer.describe());
  }
}
