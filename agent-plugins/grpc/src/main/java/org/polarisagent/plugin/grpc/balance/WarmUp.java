package org.polarisagent.plugin.grpc.balance;

/**
 * Slow start of new instances ({@code polaris.loadbalancer.warmup}): during a window counted from
 * an instance's creation time, the part of its weight it gets grows in a straight line from {@link
 * #MIN_FACTOR} to all of it. A creation time up to {@link #CLOCK_SKEW_MILLIS} in the future is
 * taken as now (clocks a little apart); an instance whose creation time is unknown or further in
 * the future (time zones apart) counts as warm. Immutable.
 */
public final class WarmUp {

  /** Warm-up off: every instance gets its full weight. */
  public static final WarmUp OFF = new WarmUp(0);

  /** The part of its weight an instance gets at the start of its window; never less. */
  public static final double MIN_FACTOR = 0.1;

  /** How far in the future a creation time may be and still count as now. */
  public static final long CLOCK_SKEW_MILLIS = 10 * 60_000;

  /** How often a balancer recomputes the weights while some instance is warming up. */
  public static final long STEP_MILLIS = 1000;

  private final long windowMillis;

  /**
   * @param windowMillis the length of the ramp; 0 (or less) turns warm-up off
   */
  public WarmUp(long windowMillis) {
    this.windowMillis = Math.max(0, windowMillis);
  }

  public boolean isOn() {
    return windowMillis > 0;
  }

  /**
   * The part of its weight, from {@link #MIN_FACTOR} to 1, an instance gets at {@code nowMillis}.
   *
   * @param createdMillis when the instance was created (epoch milliseconds); null or not positive
   *     if unknown
   */
  public double factor(Long createdMillis, long nowMillis) {
    if (windowMillis == 0 || createdMillis == null || createdMillis <= 0) {
      return 1;
    }
    long age = nowMillis - createdMillis;
    if (age < -CLOCK_SKEW_MILLIS || age >= windowMillis) {
      return 1;
    }
    return MIN_FACTOR + (1 - MIN_FACTOR) * Math.max(0, age) / (double) windowMillis;
  }

  /**
   * Weights scaled by each endpoint's warm-up factor, in units fine enough that a factor shows at
   * every weight: each weight is multiplied by up to 100 (less if the sum would not fit an int),
   * then by its factor; a positive weight stays at least 1, a weight of 0 stays 0.
   */
  static int[] scaled(int[] weights, double[] factors) {
    long sum = 0;
    for (int weight : weights) {
      sum += Math.max(0, weight);
    }
    long unit = Math.max(1, Math.min(100, Integer.MAX_VALUE / Math.max(1, sum)));
    int[] scaled = new int[weights.length];
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        scaled[i] = (int) Math.max(1, Math.round(weights[i] * unit * factors[i]));
      }
    }
    return scaled;
  }

  /** Whether every factor is 1. */
  static boolean allWarm(double[] factors) {
    for (double factor : factors) {
      if (factor < 1) {
        return false;
      }
    }
    return true;
  }
}
