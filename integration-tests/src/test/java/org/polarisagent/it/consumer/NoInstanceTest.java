package org.polarisagent.it.consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;

/**
 * A Polaris target with no instance fails fast with UNAVAILABLE naming the service, never hangs
 * until the deadline; once an instance appears, calls succeed without restarting the consumer.
 */
class NoInstanceTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  @Test
  void failsFastThenRecoversWhenAProviderStarts() {
    // The start delay lets the agent connect first: this measures the call, not the SDK's start.
    try (ForkedApp consumer =
        Consumers.steadyBuilder(
                POLARIS, "consumer-ghost", "polaris://ghost", 10, "60s", "--start-delay=3s")
            .start()) {
      Matcher first =
          consumer.awaitLine(
              "FIRST code=(\\S+) message=(.*) latencyus=(\\d+)", Duration.ofSeconds(60));
      assertTrue(first.group(1).equals("UNAVAILABLE"), consumer.describe());
      assertTrue(
          first.group(2).contains("ghost") && first.group(2).contains("default"),
          "the message must name the service and namespace: " + first.group(2));
      long latencyMicros = Long.parseLong(first.group(3));
      System.out.println(
          "first call without instance failed after " + latencyMicros / 1000 + " ms");
      assertTrue(latencyMicros < 1_000_000, "the first call took " + latencyMicros + " us");

      try (ForkedApp provider = Providers.start(POLARIS, "ghost", "g1")) {
        ConsumerProgress.until(
            consumer,
            Duration.ofSeconds(30),
            Duration.ofMillis(250),
            progress -> progress.count("g1") > 0,
            "calls answered by the new provider");
      }
    }
  }
}
