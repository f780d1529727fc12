package org.polarisagent.it.governance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.Poll;

/**
 * A consumer in zone A calls providers in zone A while there are any, and zone B when zone A has
 * none.
 */
class NearbyRoutingTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  @Test
  void staysInItsZoneAndFallsBackWhenTheZoneIsEmpty() throws Exception {
    try (ForkedApp a1 = provider("a1", "zone-a");
        ForkedApp b1 = provider("b1", "zone-b");
        ForkedApp b2 = provider("b2", "zone-b")) {
      Poll.until(
          Duration.ofSeconds(60),
          Duration.ofMillis(250),
          () -> POLARIS.openApi().listInstances("nearby", "default"),
          list -> list.stream().filter(i -> i.healthy()).count() == 3,
          "3 healthy instances");
      try (ForkedApp consumer =
          POLARIS
              .agentApp(EchoConsumer.class, "consumer-zone-a")
              .property("polaris.service", "nearby-consumer")
              .property("polaris.location.region", "region-1")
              .property("polaris.location.zone", "zone-a")
              .property("polaris.router.nearby.enabled", "true")
              .args("--target=polaris://nearby", "--rate=40", "--duration=120s", "--deadline=5s")
              .start()) {
        ConsumerProgress.until(
            consumer,
            Duration.ofSeconds(30),
            Duration.ofMillis(250),
            p -> p.ok() >= 40,
            "calls flowing");
        ConsumerProgress.awaitWindow(
            consumer,
            Duration.ofSeconds(15),
            w -> w.total() >= 40 && w.onlyOn("a1"),
            "calls only in zone A");

        a1.sigterm();
        assertTrue(a1.waitFor(Duration.ofSeconds(30)), a1.describe());
        ConsumerProgress.awaitWindow(
            consumer,
            Duration.ofSeconds(20),
            w -> w.count("b1") > 0 && w.count("b2") > 0 && w.onlyOn("b1", "b2") && w.failed() == 0,
            "calls falling back to zone B without failures");
      }
    }
  }

  private static ForkedApp provider(String name, String zone) {
    ForkedApp provider =
        POLARIS
            .agentApp(EchoProvider.class, name)
            .property("polaris.service", "nearby")
            .property("polaris.location.region", "region-1")
            .property("polaris.location.zone", zone)
            .property("polaris.grpc.server.shutdown-delay", "3s")
            .args("--name=" + name)
            .start();
    provider.awaitLine("READY .*", Duration.ofSeconds(60));
    return provider;
  }
}
