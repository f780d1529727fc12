package org.polarisagent.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a condition by polling it until a deadline, instead of sleeping a fixed time. A check
 * that throws counts as "not yet" (e.g. a server that does not answer yet); on timeout the {@link
 * AssertionError} names what was awaited and shows the last value or exception.
 *
 * <p>Stateless; thread-safe.
 */
public final class Poll {

  private Poll() {}

  /**
   * Calls {@code check} every {@code interval} until {@code done} accepts its value, and returns
   * that value.
   *
   * @param what what is awaited, for the failure message (e.g. "instance healthy")
   * @throws AssertionError if {@code timeout} passes first
   */
  public static <T> T until(
      Duration timeout,
      Duration interval,
      Supplier<T> check,
      Predicate<? super T> done,
      String what) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    T last = null;
    RuntimeException lastError = null;
    int attempts = 0;
    while (true) {
      attempts++;
      try {
        last = check.get();
        lastError = null;
        if (done.test(last)) {
          return last;
        }
      } catch (RuntimeException e) {
        lastError = e;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        AssertionError failure =
            new AssertionError(
                "timed out after "
                    + timeout.toMillis()
                    + " ms ("
                    + attempts
                    + " checks) waiting for "
                    + what
                    + "; last value: "
                    + last
                    + (lastError == null ? "" : "; last error: " + lastError));
        if (lastError != null) {
          failure.initCause(lastError);
        }
        throw failure;
      }
      sleep(Math.min(interval.toNanos(), left));
    }
  }

  /**
   * Like {@link #until(Duration, Duration, Supplier, Predicate, String)} for a yes/no condition.
   */
  public static void until(
      Duration timeout, Duration interval, BooleanSupplier condition, String what) {
    until(timeout, interval, condition::getAsBoolean, Boolean::booleanValue, what);
  }

  /**
   * Checks every {@code interval} for {@code period} that {@code ok} keeps accepting the value of
   * {@code check}, for things that must stay true for a while (e.g. an instance stays healthy while
   * it heartbeats).
   *
   * @throws AssertionError at the first value not accepted (or check that throws), with that value
   */
  public static <T> void holds(
      Duration period, Duration interval, Supplier<T> check, Predicate<? super T> ok, String what) {
    long start = System.nanoTime();
    long end = start + period.toNanos();
    while (true) {
      T value = check.get();
      if (!ok.test(value)) {
        throw new AssertionError(
            "expected "
                + what
                + " for "
                + period.toMillis()
                + " ms, but after "
                + Duration.ofNanos(System.nanoTime() - start).toMillis()
                + " ms got: "
                + value);
      }
      long left = end - System.nanoTime();
      if (left <= 0) {
        return;
      }
      sleep(Math.min(interval.toNanos(), left));
    }
  }

  private static void sleep(long nanos) {
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while polling", e);
    }
  }
}
