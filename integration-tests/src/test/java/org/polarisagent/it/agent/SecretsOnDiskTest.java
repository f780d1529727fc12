package org.polarisagent.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;

/**
 * A provider and a consumer that talk to Polaris with a token (the server accepts any token on its
 * client APIs by default) leave it in no file under their temp dir, where the SDK log lives, and
 * the SDK log is readable by its owner only.
 */
class SecretsOnDiskTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration START = Duration.ofSeconds(60);

  @Test
  void theTokenIsInNoFileAndTheSdkLogIsOwnerOnly() throws IOException {
    String token = "it-token-" + UUID.randomUUID();
    Path temp =
        Files.createDirectories(
            Paths.get(System.getProperty("it.output.dir", "target"), "secrets-" + System.nanoTime())
                .toAbsolutePath());
    Path logDir = temp.resolve("polaris-agent-" + System.getProperty("user.name"));

    try (ForkedApp provider =
        app(EchoProvider.class, "secret-provider", token, temp, logDir)
            .property("polaris.service", "secret-echo")
            .property("polaris.grpc.server.shutdown-delay", "1s")
            .args("--name=s1")
            .start()) {
      provider.awaitLine("READY .*", START);
      try (ForkedApp consumer =
          app(EchoConsumer.class, "secret-consumer", token, temp, logDir)
              .property("polaris.service", "secret-caller")
              .args(
                  "--target=polaris://secret-echo", "--rate=20", "--duration=60s", "--deadline=3s")
              .start()) {
        ConsumerProgress.until(
            consumer,
            START,
            Duration.ofMillis(200),
            progress -> progress.count("s1") > 0,
            "calls answered through Polaris");
        consumer.sigterm();
        assertTrue(consumer.waitFor(Duration.ofSeconds(30)), consumer.describe());
      }
      provider.sigterm();
      assertTrue(provider.waitFor(Duration.ofSeconds(30)), provider.describe());
      assertTrue(provider.stderr().contains("INFO deregistered gRPC server"), provider.stderr());
      assertFalse(provider.stderr().contains(token), "the agent's stderr shows the token");
    }

    List<Path> files;
    try (Stream<Path> walk = Files.walk(temp)) {
      files = walk.filter(Files::isRegularFile).collect(Collectors.toList());
    }
    Path sdkLog = logDir.resolve("polaris-sdk.log");
    assertTrue(files.contains(sdkLog), "the SDK log is in its directory: " + files);
    for (Path file : files) {
      String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      assertFalse(content.contains(token), "the token is in " + file);
    }
    String log = new String(Files.readAllBytes(sdkLog), StandardCharsets.UTF_8);
    assertTrue(log.contains("***"), "the SDK logged the token, masked: " + sdkLog);
    assertEquals("rwx------", permissions(logDir));
    assertEquals("rw-------", permissions(sdkLog));
  }

  /**
   * An app with the agent, the token from the environment, and its temp dir and SDK log under
   * {@code temp}.
   */
  private static ForkedApp.Builder app(
      Class<?> main, String name, String token, Path temp, Path logDir) {
    return ForkedApp.main(main)
        .name(name)
        .withAgent()
        .env("POLARIS_TOKEN", token)
        .property("polaris.address", POLARIS.grpcAddress())
        .property("polaris.log.sdk.level", "debug")
        .property("java.io.tmpdir", temp.toString())
        .property("polaris.log.sdk.file", logDir.resolve("polaris-sdk.log").toString());
  }

  private static String permissions(Path path) throws IOException {
    return PosixFilePermissions.toString(
        Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
  }
}
