package org.polarisagent.it.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;

/**
 * The SDK talks to Polaris over the application's gRPC by default ({@code
 * polaris.sdk.transport=application}), so neither a provider nor a consumer loads the SDK's own
 * netty; with {@code bundled} it uses its own, as before. Either way the provider registers and the
 * consumer finds and calls it, even with a target mapping that names the Polaris server's address
 * (the agent's hooks leave the SDK's own channel alone).
 */
class SdkTransportTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  @ParameterizedTest
  @ValueSource(strings = {"application", "bundled"})
  void aProviderRegistersAndAConsumerCallsItOverEitherTransport(String transport, @TempDir Path dir)
      throws IOException {
    String service = "transport-" + transport;
    Path providerClasses = dir.resolve("provider-classes.log");
    Path consumerClasses = dir.resolve("consumer-classes.log");
    try (ForkedApp provider =
        Providers.started(
            Providers.builder(POLARIS, service, "t1", List.of())
                .property("polaris.sdk.transport", transport)
                .jvmArgs("-Xlog:class+load=info:file=" + providerClasses))) {
      Providers.awaitHealthy(POLARIS, service, 1);
      try (ForkedApp consumer =
          Consumers.steadyBuilder(
                  POLARIS, "consumer-" + transport, "polaris://" + service, 20, "60s")
              .property("polaris.sdk.transport", transport)
              .property(
                  "polaris.grpc.client.target-mapping",
                  POLARIS.grpcAddress().replaceFirst("^grpc://", "") + "=polaris://nowhere")
              .jvmArgs("-Xlog:class+load=info:file=" + consumerClasses)
              .start()) {
        ConsumerProgress.until(
            consumer,
            Duration.ofSeconds(60),
            Duration.ofMillis(250),
            progress -> progress.count("t1") > 0,
            "calls answered by the provider over " + transport);
      }
    }
    boolean application = "application".equals(transport);
    assertEquals(application, sdkNettyClasses(providerClasses) == 0, "provider, " + transport);
    assertEquals(application, sdkNettyClasses(consumerClasses) == 0, "consumer, " + transport);
    assertTrue(
        Files.readAllLines(consumerClasses).stream().anyMatch(line -> line.contains(" io.grpc.")),
        "the class log lists classes");
  }

  /** How many classes of the SDK's own netty transport the JVM loaded. */
  private static long sdkNettyClasses(Path classLog) throws IOException {
    return Files.readAllLines(classLog).stream()
        .filter(line -> line.contains(" shade.polaris.io.netty.channel."))
        .count();
  }
}
