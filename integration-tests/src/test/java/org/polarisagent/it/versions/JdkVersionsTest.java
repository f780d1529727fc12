package org.polarisagent.it.versions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.polarisagent.it.agent.HiddenAgent;
import org.polarisagent.it.consumer.LoadOnTwoProviders;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.it.harness.ScriptOutput;
import org.polarisagent.samples.PlainApp;
import org.polarisagent.testing.FreePorts;
import org.polarisagent.testing.PolarisOpenApi.Instance;

/**
 * The agent on the other LTS JDKs (the whole suite runs on the build's JDK 17), end to end against
 * the real Polaris server: on each, unmodified sample apps run on that JDK's runtime (downloaded
 * once by {@code jdks/runtime.sh}) with the agent, and
 *
 * <ul>
 *   <li>two providers register with their real ports;
 *   <li>a consumer of {@code polaris://} balances round robin over both;
 *   <li>a provider stopped with SIGTERM under load costs no call;
 *   <li>an app with its own libraries sees none of the agent's classes;
 *   <li>no app's stderr has a JVM warning that names the agent's jar (on JDK 24 and later, {@code
 *       sun.misc.Unsafe} in the SDK's libraries would make one), nor an agent ERROR line.
 * </ul>
 *
 * Each JDK has its own service.
 */
class JdkVersionsTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration DOWNLOAD = Duration.ofMinutes(3);
  private static final Duration OBSERVE = Duration.ofMillis(200);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(3);
  private static final Duration EXIT = Duration.ofSeconds(30);
  private static final Duration PLAIN_RUN = Duration.ofSeconds(90);

  @ParameterizedTest(name = "JDK {0}")
  @ValueSource(ints = {11, 21, 25})
  void providersRegisterConsumersBalanceAndAProviderLeavesWithoutAFailedCall(int release) {
    Path home =
        Paths.get(
            ScriptOutput.run(
                ScriptOutput.moduleScript("jdks/runtime.sh"), DOWNLOAD, String.valueOf(release)));
    // From 24 on, the JVM warns once per process about sun.misc.Unsafe: in debug mode it names
    // every
    // caller, so an access by the agent's libraries after the application's own first one shows
    // too.
    UnaryOperator<ForkedApp.Builder> onThisJdk =
        release >= 24
            ? builder -> builder.javaHome(home).jvmArgs("--sun-misc-unsafe-memory-access=debug")
            : builder -> builder.javaHome(home);
    String service = "echo-jdk" + release;
    try (ForkedApp plain =
            onThisJdk
                .apply(ForkedApp.main(PlainApp.class).name("plain-jdk" + release))
                .withAppLibraries()
                .withAgent()
                .property("polaris.address", "127.0.0.1:" + FreePorts.pick())
                .start();
        LoadOnTwoProviders load =
            LoadOnTwoProviders.start(POLARIS, service, "120s", OBSERVE, onThisJdk)) {
      ForkedApp p1 = load.p1();
      ForkedApp p2 = load.p2();
      ForkedApp consumer = load.consumer();
      for (ForkedApp app : List.of(p1, p2, consumer)) {
        assertEquals(
            realPath(home.resolve("bin").resolve("java")),
            ProcessHandle.of(app.pid()).flatMap(p -> p.info().command()).orElse("?"),
            app.describe());
      }

      // Registration: Polaris lists both providers with the ports their servers listen on.
      Set<Integer> listening = Set.of(port(p1), port(p2));
      assertEquals(
          listening,
          POLARIS.openApi().listInstances(service, "default").stream()
              .filter(Instance::healthy)
              .map(Instance::port)
              .collect(Collectors.toSet()));

      // Balancing: once the consumer is past its start, round robin gives each provider about half
      // of a window's calls.
      ConsumerProgress.awaitSteady(consumer, CALL_DEADLINE, Duration.ofSeconds(30));
      ConsumerProgress window =
          ConsumerProgress.awaitWindow(
              consumer, Duration.ofSeconds(30), w -> w.ok() >= 20, "a window of answered calls");
      assertEquals(0, window.failed(), window + "; " + consumer.describe());
      assertTrue(
          window.count("p1") * 10 >= window.ok() * 4 && window.count("p2") * 10 >= window.ok() * 4,
          "each provider answered at least 40% of " + window + "; " + consumer.describe());

      // Lossless stop: p1 leaves Polaris before it stops serving, so no call fails.
      long p2Before = load.stopP1WithoutFailedCalls(EXIT, OBSERVE);
      assertTrue(p1.lines().contains("STOPPED"), p1.describe());
      assertTrue(ConsumerProgress.of(consumer).count("p2") > p2Before, consumer.describe());

      // Isolation: the app with its own libraries sees only them.
      assertTrue(plain.waitFor(PLAIN_RUN), plain.describe());
      assertEquals(0, plain.exitCode(), plain.describe());
      HiddenAgent.assertAppSeesOnlyItsOwnLibraries(plain.lines());

      for (ForkedApp app : List.of(plain, p1, p2, consumer)) {
        assertEquals(List.of(), warningsNamingTheAgent(app), app.describe());
      }
    }
  }

  /**
   * The app's stderr lines that name the agent's jar in a JVM warning, or are agent ERROR lines.
   */
  private static List<String> warningsNamingTheAgent(ForkedApp app) {
    Stream<String> lines = app.stderrLines().stream();
    return lines
        .filter(
            line ->
                (line.startsWith("WARNING") && line.contains("polaris-agent"))
                    || line.startsWith("[polaris-agent] ERROR"))
        .collect(Collectors.toList());
  }

  private static String realPath(Path path) {
    try {
      return path.toRealPath().toString();
    } catch (java.io.IOException e) {
      return path.toString();
    }
  }

  private static int port(ForkedApp provider) {
    return Integer.parseInt(
        provider
            .awaitLine(
                java.util.regex.Pattern.compile("LISTENING name=\\S+ port=(\\d+)"),
                Duration.ofSeconds(5),
                0)
            .group(1));
  }
}
