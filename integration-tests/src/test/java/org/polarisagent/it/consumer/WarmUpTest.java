package org.polarisagent.it.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;

/**
 * Slow start ({@code polaris.loadbalancer.warmup}) as a consumer's user sees it: one provider
 * serves a consumer calling 100 times a second, then a second provider starts and registers. With a
 * 20 s warm-up the new provider's share of the calls starts small and grows to about half over the
 * window; without it, it gets about half at once. Prints the share per second.
 */
class WarmUpTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration WINDOW = Duration.ofSeconds(20);
  private static final int RATE = 100;

  @ParameterizedTest
  @ValueSource(strings = {"round_robin", "weighted_random"})
  void newProviderRampsUpOverTheWarmUpWindow(String policy) throws InterruptedException {
    String service = "warm-" + policy.replace('_', '-');
    Timeline timeline = newProviderUnderLoad(service, policy, WINDOW.toSeconds() + "s");
    int window = (int) WINDOW.toSeconds();
    // Seconds are counted from when Polaris listed p2, which is at or after its creation time:
    // at second s, p2 is at least s seconds into its warm-up.
    double early = timeline.share(timeline.firstServed + 1, timeline.firstServed + 3);
    double late = timeline.share(window - 4, window - 1);
    double after = timeline.share(window + 3, window + 7);
    assertTrue(
        early < late - 0.1,
        "p2's share in its first full seconds ("
            + early
            + ") is not clearly below its share near the end of the window ("
            + late
            + ")\n"
            + timeline);
    assertTrue(
        after > 0.4 && after < 0.6, "p2's share after the window: " + after + "\n" + timeline);
  }

  @Test
  void withoutWarmUpANewProviderGetsItsShareAtOnce() throws InterruptedException {
    Timeline timeline = newProviderUnderLoad("cold", "round_robin", null);
    double early = timeline.share(timeline.firstServed + 1, timeline.firstServed + 3);
    assertTrue(
        early > 0.4 && early < 0.6,
        "p2's share in its first full seconds: " + early + "\n" + timeline);
  }

  /**
   * Runs p1 of {@code service} and a consumer with {@code policy} and {@code warmUp} (null: not
   * set); once the consumer is steady and p1 is older than {@link #WINDOW} (warm: a consumer that
   * starts next to a young provider warms it up too), starts p2 and follows the consumer until
   * {@link #WINDOW} plus 8 s after Polaris listed p2. Asserts that p2 got calls within 15 s and
   * that no call failed.
   */
  private static Timeline newProviderUnderLoad(String service, String policy, String warmUp)
      throws InterruptedException {
    try (ForkedApp p1 = Providers.start(POLARIS, service, "p1")) {
      Providers.awaitHealthy(POLARIS, service, 1);
      long p1Warm = System.nanoTime() + WINDOW.toNanos();
      ForkedApp.Builder builder =
          Consumers.steadyBuilder(
                  POLARIS, "consumer-" + service, "polaris://" + service, RATE, "150s")
              .property("polaris.loadbalancer", policy);
      if (warmUp != null) {
        builder.property("polaris.loadbalancer.warmup", warmUp);
      }
      try (ForkedApp consumer = builder.start()) {
        ConsumerProgress steady =
            ConsumerProgress.awaitSteady(consumer, Duration.ofSeconds(3), Duration.ofSeconds(60));
        // p1 was created before Polaris listed it: from p1Warm on it is past its window.
        if (warmUp != null) {
          Thread.sleep(Math.max(0, (p1Warm - System.nanoTime()) / 1_000_000));
        }
        try (ForkedApp p2 = Providers.start(POLARIS, service, "p2")) {
          Providers.awaitHealthy(POLARIS, service, 2);
          int listed = ConsumerProgress.bySecond(consumer).lastKey();
          int end = listed + (warmUp == null ? 20 : (int) WINDOW.toSeconds() + 8);
          consumer.awaitLine("PROGRESS second=" + end + " .*", WINDOW.plusSeconds(60));
          Timeline timeline = new Timeline(ConsumerProgress.bySecond(consumer), listed, end);
          System.out.println(
              "WarmUpTest " + policy + ", polaris.loadbalancer.warmup=" + warmUp + "\n" + timeline);
          assertEquals(
              steady.failed(),
              ConsumerProgress.of(consumer).failed(),
              "calls failed\n" + consumer.describe());
          assertTrue(timeline.firstServed <= 15, "p2 got no call within 15 s\n" + timeline);
          return timeline;
        }
      }
    }
  }

  /**
   * The calls p1 and p2 answered in each second of a consumer's run, numbered from the second in
   * which Polaris listed p2 (second 0).
   */
  private static final class Timeline {
    private final long[] p1;
    private final long[] p2;
    final int firstServed;

    Timeline(SortedMap<Integer, ConsumerProgress> bySecond, int listed, int end) {
      p1 = new long[end - listed + 1];
      p2 = new long[end - listed + 1];
      int first = Integer.MAX_VALUE;
      for (int s = 1; s < p1.length; s++) {
        ConsumerProgress second = bySecond.get(listed + s).minus(bySecond.get(listed + s - 1));
        p1[s] = second.count("p1");
        p2[s] = second.count("p2");
        if (p2[s] > 0 && first == Integer.MAX_VALUE) {
          first = s;
        }
      }
      firstServed = first;
    }

    /** p2's part of the calls answered in seconds {@code from} to {@code to}, both included. */
    double share(int from, int to) {
      long onP1 = 0;
      long onP2 = 0;
      for (int s = Math.max(1, from); s <= Math.min(to, p1.length - 1); s++) {
        onP1 += p1[s];
        onP2 += p2[s];
      }
      return onP1 + onP2 == 0 ? 0 : onP2 / (double) (onP1 + onP2);
    }

    @Override
    public String toString() {
      StringBuilder table =
          new StringBuilder("second after Polaris listed p2 | p1 | p2 | p2's share\n");
      for (int s = 1; s < p1.length; s++) {
        table.append(
            String.format(
                java.util.Locale.ROOT, "%d | %d | %d | %.2f%n", s, p1[s], p2[s], share(s, s)));
      }
      return table.toString();
    }
  }
}
