package org.polarisagent.it.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.polarisagent.it.consumer.Providers;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.PolarisOpenApi;
import org.polarisagent.testing.Poll;

/**
 * An unmodified server with a {@code HealthStatusManager} gets calls through Polaris only while its
 * overall health is SERVING: it registers once SERVING, goes out of rotation on NOT_SERVING (weight
 * 0; it still serves what consumers send before they notice) and back on SERVING.
 */
class ProviderHealthTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(100);

  @Test
  void registersOnlyOnceServingAndRegistersAnywayWithHealthAwarenessOff(@TempDir Path dir)
      throws Exception {
    Path healthFile = dir.resolve("health");
    Files.writeString(healthFile, "NOT_SERVING");
    try (ForkedApp warming =
            provider("warming", healthFile)
                .property("polaris.grpc.server.health-wait", "5m")
                .start();
        ForkedApp unaware =
            provider("unaware", healthFile)
                .property("polaris.grpc.server.health-aware", "false")
                .start()) {
      warming.awaitLine("READY .*", START);
      unaware.awaitLine("READY .*", START);
      Providers.awaitHealthy(
          POLARIS, "unaware", 1); // the same status, no health awareness: registered
      // The agent has had the time to register the other one too: it must not have.
      Poll.holds(
          Duration.ofSeconds(3),
          POLL,
          () -> instances("warming"),
          List::isEmpty,
          "no instance of a server that reports NOT_SERVING");

      long servingNanos = System.nanoTime();
      Files.delete(healthFile);
      Providers.awaitHealthy(POLARIS, "warming", 1);
      System.out.printf(
          "[health] SERVING -> visible in Polaris: %d ms%n",
          (System.nanoTime() - servingNanos) / 1_000_000);
      warming.awaitStderrLine(".*INFO registered gRPC server on port .*", START);
    }
  }

  @Test
  void notServingTakesTheInstanceOutOfRotationWithoutAFailedCallAndServingBringsItBack(
      @TempDir Path dir) throws Exception {
    Path healthFile = dir.resolve("health");
    try (ForkedApp a = provider("rotation", dir.resolve("a-health")).args("--name=a").start();
        ForkedApp b = provider("rotation", healthFile).args("--name=b").start()) {
      a.awaitLine("READY .*", START);
      b.awaitLine("READY .*", START);
      Providers.awaitHealthy(POLARIS, "rotation", 2);
      try (ForkedApp consumer =
          POLARIS
              .agentApp(EchoConsumer.class, "consumer-health")
              .property("polaris.loadbalancer", "round_robin")
              .args("--target=polaris://rotation", "--rate=40", "--duration=120s", "--deadline=3s")
              .start()) {
        ConsumerProgress.awaitReached(consumer, START, POLL, "a", "b");
        long failedBefore =
            ConsumerProgress.awaitSteady(consumer, Duration.ofSeconds(3), START).failed();

        long notServingNanos = System.nanoTime();
        Files.writeString(healthFile, "NOT_SERVING");
        b.awaitStderrLine(".*reports NOT_SERVING: out of rotation in Polaris.*", START);
        ConsumerProgress.awaitWindow(
            consumer,
            Duration.ofSeconds(30),
            w -> w.ok() >= 40 && w.onlyOn("a"),
            "calls only on a");
        System.out.printf(
            "[health] NOT_SERVING -> consumer calls only on the others: %d ms%n",
            (System.nanoTime() - notServingNanos) / 1_000_000);
        assertEquals(
            List.of(0, 100),
            instances("rotation").stream().map(PolarisOpenApi.Instance::weight).sorted().toList(),
            "b stays registered, with weight 0");

        long servingNanos = System.nanoTime();
        Files.delete(healthFile);
        ConsumerProgress.awaitWindow(
            consumer, Duration.ofSeconds(30), w -> w.count("b") > 0, "calls on b again");
        System.out.printf(
            "[health] SERVING -> consumer calls on it again: %d ms%n",
            (System.nanoTime() - servingNanos) / 1_000_000);
        assertEquals(
            failedBefore,
            ConsumerProgress.of(consumer).failed(),
            "no call failed while b left and came back");
      }
    }
  }

  private static ForkedApp.Builder provider(String service, Path healthFile) {
    return POLARIS
        .agentApp(EchoProvider.class, "provider-" + service)
        .property("polaris.service", service)
        .property("polaris.grpc.server.shutdown-delay", "0s")
        .args("--health-file=" + healthFile);
  }

  private static List<PolarisOpenApi.Instance> instances(String service) {
    return POLARIS.openApi().listInstances(service, "default");
  }
}
