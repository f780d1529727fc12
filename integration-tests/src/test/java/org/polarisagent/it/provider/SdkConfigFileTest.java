package org.polarisagent.it.provider;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.FreePorts;
import org.polarisagent.testing.Poll;

/**
 * An SDK yaml given with {@code polaris.sdk.config.file} that names only a few settings (no server
 * connector, no location): the SDK's defaults fill in the rest, and the agent registers and
 * discovers as without it.
 */
class SdkConfigFileTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration START = AgentProviders.START;

  /**
   * A yaml naming the API timeout and the SDK's admin port: the SDK's default admin port is one for
   * the whole host, and an SDK that cannot open it does not start.
   */
  private static Path yaml(Path dir, String name, int adminPort) throws IOException {
    String text = "global:\n  api:\n    timeout: 3s\n  admin:\n    port: " + adminPort + "\n";
    return Files.write(dir.resolve(name), text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aPartialSdkYamlRegistersAndDiscovers(@TempDir Path dir) throws IOException {
    List<Integer> ports = FreePorts.pick(2);
    Path providerYaml = yaml(dir, "provider.yml", ports.get(0));
    Path consumerYaml = yaml(dir, "consumer.yml", ports.get(1));
    String service = "sdk-yaml-echo";
    try (ForkedApp provider =
        POLARIS
            .agentApp(EchoProvider.class, "sdk-yaml-provider")
            .property("polaris.sdk.config.file", providerYaml.toString())
            .property("polaris.service", service)
            .property("polaris.grpc.server.shutdown-delay", "0s")
            .args("--name=sdk-yaml-provider", "--port=0")
            .start()) {
      provider.awaitLine(AgentProviders.LISTENING, START, 0);
      Poll.until(
          START,
          Duration.ofMillis(200),
          () -> POLARIS.openApi().listInstances(service, "default"),
          list -> list.size() == 1 && list.get(0).healthy(),
          "a healthy instance registered");
      try (ForkedApp consumer =
          POLARIS
              .agentApp(EchoConsumer.class, "sdk-yaml-consumer")
              .property("polaris.sdk.config.file", consumerYaml.toString())
              .args("--target=polaris://" + service, "--rate=20", "--duration=60s")
              .start()) {
        ConsumerProgress.until(
            consumer,
            START,
            Duration.ofMillis(200),
            progress -> progress.count("sdk-yaml-provider") > 0,
            "calls answered through Polaris");
        assertFalse(consumer.stderr().contains("ERROR"), consumer.stderr());
      }
      assertFalse(provider.stderr().contains("ERROR"), provider.stderr());
    }
  }
}
