package org.polarisagent.it.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.Poll;

/**
 * An SDK yaml given with {@code polaris.sdk.config.file} that names only a few settings (no server
 * connector, no location): the agent's built-in values fill in the rest, so the agent registers and
 * discovers as without it, two apps on one host can share the yaml, and nothing is written into
 * their working directories.
 */
class SdkConfigFileTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration START = AgentProviders.START;

  /** A yaml naming only the API timeout. */
  private static Path yaml(Path dir) throws IOException {
    String text = "global:\n  api:\n    timeout: 3s\n";
    return Files.write(dir.resolve("polaris.yml"), text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aPartialSdkYamlRegistersAndDiscovers(@TempDir Path dir) throws IOException {
    Path sdkYaml = yaml(dir);
    String service = "sdk-yaml-echo";
    try (ForkedApp provider =
        POLARIS
            .agentApp(EchoProvider.class, "sdk-yaml-provider")
            .property("polaris.sdk.config.file", sdkYaml.toString())
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
              .property("polaris.sdk.config.file", sdkYaml.toString())
              .args("--target=polaris://" + service, "--rate=20", "--duration=60s")
              .start()) {
        ConsumerProgress.until(
            consumer,
            START,
            Duration.ofMillis(200),
            progress -> progress.count("sdk-yaml-provider") > 0,
            "calls answered through Polaris");
        assertFalse(consumer.stderr().contains("ERROR"), consumer.stderr());
        assertNothingWritten(consumer);
      }
      assertFalse(provider.stderr().contains("ERROR"), provider.stderr());
      assertNothingWritten(provider);
    }
  }

  private static void assertNothingWritten(ForkedApp app) throws IOException {
    try (Stream<Path> files = Files.list(app.workingDirectory())) {
      assertEquals(List.of(), files.toList(), "files in the working directory of " + app);
    }
  }
}
