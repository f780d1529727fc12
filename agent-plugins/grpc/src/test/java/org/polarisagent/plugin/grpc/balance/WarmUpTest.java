package org.polarisagent.plugin.grpc.balance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WarmUpTest {

  private static final long NOW = 1_800_000_000_000L;
  private final WarmUp twentySeconds = new WarmUp(20_000);

  @Test
  void factorGrowsInAStraightLineFromTheMinimumToOneOverTheWindow() {
    assertEquals(WarmUp.MIN_FACTOR, twentySeconds.factor(NOW, NOW));
    assertEquals(0.325, twentySeconds.factor(NOW - 5_000, NOW), 1e-9);
    assertEquals(0.775, twentySeconds.factor(NOW - 15_000, NOW), 1e-9);
    assertEquals(1, twentySeconds.factor(NOW - 20_000, NOW));
    assertEquals(1, twentySeconds.factor(NOW - 3_600_000, NOW));
  }

  @Test
  void aCreationTimeALittleInTheFutureIsNowAndOneFarInTheFutureOrUnknownIsWarm() {
    assertEquals(WarmUp.MIN_FACTOR, twentySeconds.factor(NOW + 1_000, NOW), "clocks apart");
    assertEquals(
        WarmUp.MIN_FACTOR, twentySeconds.factor(NOW + WarmUp.CLOCK_SKEW_MILLIS, NOW), "still skew");
    assertEquals(1, twentySeconds.factor(NOW + 8 * 3_600_000L, NOW), "time zones apart");
    assertEquals(1, twentySeconds.factor(null, NOW));
    assertEquals(1, twentySeconds.factor(0L, NOW));
  }

  @Test
  void offGivesEveryInstanceItsFullWeight() {
    assertFalse(WarmUp.OFF.isOn());
    assertFalse(new WarmUp(-5).isOn());
    assertEquals(1, WarmUp.OFF.factor(NOW, NOW));
    assertTrue(twentySeconds.isOn());
  }

  @Test
  void scaledWeightsKeepTheirRatioAndNeverReachZero() {
    assertArrayEquals(
        new int[] {10_000, 2_500, 0, 1},
        WarmUp.scaled(new int[] {100, 100, 0, 1}, new double[] {1, 0.25, 0.5, 0.001}));
    int[] huge = WarmUp.scaled(new int[] {10_000, 10_000}, new double[] {1, 0.5});
    assertEquals(2, huge[0] / huge[1]);
    int[] many = new int[5_000];
    double[] factors = new double[many.length];
    java.util.Arrays.fill(many, 10_000);
    java.util.Arrays.fill(factors, 1);
    long sum = 0;
    for (int weight : WarmUp.scaled(many, factors)) {
      sum += weight;
    }
    assertTrue(sum <= Integer.MAX_VALUE, "the sum fits the selector's int: " + sum);
  }
}
