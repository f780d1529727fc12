package org.polarisagent.it.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;

/**
 * The Polaris server going away under steady load changes nothing for calls: the last known
 * instances keep serving; when it comes back, changes are followed again.
 */
class PolarisOutageTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration OBSERVE = Duration.ofMillis(250);

  @Test
  void callsKeepFlowingThroughAPolarisOutage() throws Exception {
    try (LoadOnTwoProviders load = LoadOnTwoProviders.start(POLARIS, "150s", OBSERVE)) {
      ForkedApp consumer = load.consumer();

      long failedAtStart = ConsumerProgress.failedOnceSteady(consumer);

      POLARIS.stop();
      // The outage itself is the point of this test: calls must keep succeeding all through it.
      ConsumerProgress.holds(
          consumer,
          Duration.ofSeconds(20),
          OBSERVE,
          p -> p.failed() == failedAtStart,
          "no failed call while Polaris is down");
      long okDuringOutage = ConsumerProgress.of(consumer).ok();
      POLARIS.resume();

      try (ForkedApp p3 = Providers.start(POLARIS, "echo", "p3")) {
        ConsumerProgress.awaitReached(consumer, Duration.ofSeconds(30), OBSERVE, "p3");
        ConsumerProgress end = ConsumerProgress.of(consumer);
        assertEquals(failedAtStart, end.failed(), consumer.describe());
        System.out.println(
            "calls during the run: "
                + end.ok()
                + " ("
                + okDuringOutage
                + " by the end of the outage)");
      }
    }
  }
}
