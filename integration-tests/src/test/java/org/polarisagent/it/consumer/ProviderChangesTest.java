package org.polarisagent.it.consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;

/**
 * Under steady load: a provider that starts gets traffic within seconds; one stopped gracefully
 * costs no call; one killed costs only the calls in flight, and traffic moves to the others.
 */
class ProviderChangesTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration OBSERVE = Duration.ofMillis(200);

  @Test
  void trafficFollowsProvidersThatStartStopAndCrash() throws Exception {
    try (LoadOnTwoProviders load = LoadOnTwoProviders.start(POLARIS, "120s", OBSERVE)) {
      ForkedApp consumer = load.consumer();
      ForkedApp p2 = load.p2();

      // A provider started during the run gets traffic.
      try (ForkedApp p3 = Providers.start(POLARIS, "echo", "p3")) {
        long started = System.nanoTime();
        ConsumerProgress.awaitReached(consumer, Duration.ofSeconds(15), OBSERVE, "p3");
        System.out.println(
            "new provider served "
                + (System.nanoTime() - started) / 1_000_000
                + " ms after its start() returned");

        // Graceful stop: deregistered first, so no call fails.
        ConsumerProgress.awaitSteady(consumer, Duration.ofSeconds(3), Duration.ofSeconds(30));
        load.stopP1WithoutFailedCalls(Duration.ofSeconds(30), OBSERVE);

        // Crash: only calls in flight may fail, then the survivors take the traffic.
        long failedBeforeKill = ConsumerProgress.of(consumer).failed();
        p2.sigkill();
        long p3BeforeKill = ConsumerProgress.of(consumer).count("p3");
        ConsumerProgress.until(
            consumer,
            Duration.ofSeconds(10),
            OBSERVE,
            p -> p.count("p3") > p3BeforeKill + 100,
            "traffic moving to p3 after p2 crashed");
        long lost = ConsumerProgress.of(consumer).failed() - failedBeforeKill;
        System.out.println("calls failed when a provider was killed: " + lost);
        assertTrue(lost <= 5, "more than the in-flight calls failed after SIGKILL: " + lost);
      }
    }
  }
}
