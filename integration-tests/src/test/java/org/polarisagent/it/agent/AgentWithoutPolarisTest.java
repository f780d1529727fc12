package org.polarisagent.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.FreePorts;

/**
 * With no Polaris server reachable, or a malformed {@code polaris.address}, or the agent disabled,
 * an app with the agent starts, serves and calls plain targets exactly as without it.
 */
class AgentWithoutPolarisTest {

  /**
   * The consumer's calls may wait this long: each is made while the first connection of a JVM just
   * started is still being set up, which took over the default 2 s on a busy machine, with and
   * without the agent.
   */
  private static final String FIRST_CONNECTION = "--deadline=20s";

  private static final Duration START = Duration.ofSeconds(60);

  @Test
  void unreachablePolarisChangesNothingForPlainTargets() throws Exception {
    String unusedPolaris = "127.0.0.1:" + FreePorts.pick();
    assertPlainTrafficWorks("polaris.address", unusedPolaris);
  }

  @Test
  void malformedAddressGivesOneErrorLineAndChangesNothing() throws Exception {
    String stderr = assertPlainTrafficWorks("polaris.address", "grpc://no-port-here");
    assertTrue(
        stderr.contains(
            "[polaris-agent] ERROR invalid value 'grpc://no-port-here' for polaris.address"),
        stderr);
  }

  @Test
  void disabledAgentIsANoOp() throws Exception {
    String stderr = assertPlainTrafficWorks("polaris.agent.enabled", "false");
    assertTrue(stderr.contains("disabled by polaris.agent.enabled=false"), stderr);
    assertFalse(stderr.contains("WARN"), stderr);
  }

  @Test
  void appThatNeverUsesPolarisNeverLoadsTheSdkNorConnectsToPolaris(@TempDir Path dir)
      throws Exception {
    try (ServerSocket polaris = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ForkedApp provider =
            ForkedApp.main(EchoProvider.class)
                .name("provider-without-agent")
                .args("--name=p1")
                .start()) {
      polaris.setSoTimeout(200);
      String target = "127.0.0.1:" + provider.awaitLine("READY port=(\\d+) .*", START).group(1);
      Path classLog = dir.resolve("classes.log");
      try (ForkedApp consumer =
          ForkedApp.main(EchoConsumer.class)
              .name("plain-consumer")
              .withAgent()
              .property("polaris.address", "127.0.0.1:" + polaris.getLocalPort())
              .jvmArgs("-Xlog:class+load=info:file=" + classLog)
              .args("--target=" + target, "--calls=20", "--rate=40", FIRST_CONNECTION)
              .start()) {
        Matcher result = consumer.awaitLine("RESULT ok=(\\d+) failed=(\\d+) .*", START);
        assertEquals("20", result.group(1), consumer.describe());
        assertTrue(consumer.waitFor(START), consumer.describe());
        // Everything in the agent jar but the agent's own classes and ASM is the SDK archive.
        List<String> sdkClasses =
            Files.readAllLines(classLog).stream()
                .filter(line -> line.contains("polaris-agent.jar"))
                .filter(
                    line ->
                        !line.contains(" org.polarisagent.") && !line.contains(" org.objectweb."))
                .limit(5)
                .toList();
        assertEquals(List.of(), sdkClasses, "SDK classes loaded by an app that never used Polaris");
        assertTrue(
            Files.readAllLines(classLog).stream()
                .anyMatch(line -> line.contains(" org.polarisagent.")),
            "the agent ran (its classes were loaded)");
      }
      assertThrows(SocketTimeoutException.class, polaris::accept, "the agent connected to Polaris");
    }
  }

  /** Returns the agent-side stderr of both apps. */
  private static String assertPlainTrafficWorks(String key, String value) throws Exception {
    try (ForkedApp provider =
        ForkedApp.main(EchoProvider.class)
            .name("provider-" + key)
            .withAgent()
            .property(key, value)
            .args("--name=p1")
            .start()) {
      Matcher ready = provider.awaitLine("READY port=(\\d+) .*", START);
      String target = "127.0.0.1:" + ready.group(1);
      try (ForkedApp consumer =
          ForkedApp.main(EchoConsumer.class)
              .name("consumer-" + key)
              .withAgent()
              .property(key, value)
              .args("--target=" + target, "--calls=20", "--rate=40", FIRST_CONNECTION)
              .start()) {
        Matcher result = consumer.awaitLine("RESULT ok=(\\d+) failed=(\\d+) .*", START);
        assertEquals("20", result.group(1), consumer.describe());
        assertEquals("0", result.group(2), consumer.describe());
        assertTrue(consumer.waitFor(START), consumer.describe());
        assertEquals(0, consumer.exitCode(), consumer.describe());
        return provider.stderr() + consumer.stderr();
      }
    }
  }
}
