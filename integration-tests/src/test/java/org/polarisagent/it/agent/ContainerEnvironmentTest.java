package org.polarisagent.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.PolarisOpenApi.Instance;
import org.polarisagent.testing.Poll;

/**
 * An app configured the way a container image is (README, "Containers"): the agent comes from
 * {@code JAVA_TOOL_OPTIONS} and its settings from {@code POLARIS_*} environment variables; the
 * command line has no {@code -javaagent}, no {@code -D} and no agent argument. A provider registers
 * with the location its variables give, and a consumer calls it through {@code polaris://}.
 */
class ContainerEnvironmentTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final String SERVICE = "echo-container";
  private static final Duration START = Duration.ofSeconds(60);

  @Test
  void aProviderAndAConsumerConfiguredOnlyByEnvironmentFindEachOtherThroughPolaris() {
    try (ForkedApp provider =
            container(ForkedApp.main(EchoProvider.class).name("container-provider"))
                .env("POLARIS_SERVICE", SERVICE)
                .env("POLARIS_LOCATION_REGION", "region-1")
                .env("POLARIS_LOCATION_ZONE", "zone-a")
                .env("POLARIS_GRPC_SERVER_SHUTDOWN_DELAY", "1s")
                .args("--name=c1")
                .start();
        ForkedApp consumer =
            container(ForkedApp.main(EchoConsumer.class).name("container-consumer"))
                .env("POLARIS_SERVICE", SERVICE + "-consumer")
                .args(
                    "--target=polaris://" + SERVICE,
                    "--rate=20",
                    "--duration=120s",
                    "--deadline=3s")
                .start()) {
      int port =
          Integer.parseInt(provider.awaitLine("LISTENING name=c1 port=(\\d+)", START).group(1));
      List<Instance> instances =
          Poll.until(
              START,
              Duration.ofMillis(100),
              () -> POLARIS.openApi().listInstances(SERVICE, "default"),
              list -> list.size() == 1 && list.get(0).healthy(),
              "a healthy " + SERVICE + " instance; " + provider.describe());
      assertEquals(port, instances.get(0).port());
      assertEquals(
          Map.of("region", "region-1", "zone", "zone-a"),
          instances.get(0).location(),
          instances.toString());

      ConsumerProgress.until(
          consumer,
          START,
          Duration.ofMillis(200),
          p -> p.count("c1") >= 20,
          "calls answered by c1 through Polaris; " + consumer.describe());

      for (ForkedApp app : List.of(provider, consumer)) {
        assertTrue(
            app.stderr().contains("Picked up JAVA_TOOL_OPTIONS: -javaagent:"), app.describe());
        assertFalse(
            app.command().stream()
                .anyMatch(arg -> arg.startsWith("-javaagent") || arg.startsWith("-D")),
            app.command().toString());
        assertFalse(app.stderr().contains("[polaris-agent] ERROR"), app.describe());
      }
    }
  }

  /** The JVM gets the agent from JAVA_TOOL_OPTIONS and the Polaris address from POLARIS_ADDRESS. */
  private static ForkedApp.Builder container(ForkedApp.Builder app) {
    String agentJar = Paths.get(System.getProperty("agent.jar")).toAbsolutePath().toString();
    return app.env("JAVA_TOOL_OPTIONS", "-javaagent:" + agentJar)
        .env("POLARIS_ADDRESS", POLARIS.grpcAddress());
  }
}
