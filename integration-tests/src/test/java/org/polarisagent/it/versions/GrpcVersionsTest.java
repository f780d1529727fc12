package org.polarisagent.it.versions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.it.harness.ScriptOutput;
import org.polarisagent.samples.versions.SelfCallApp;
import org.polarisagent.testing.PolarisOpenApi.Instance;
import org.polarisagent.testing.Poll;

/**
 * The agent across gRPC-Java versions, end to end: the same unmodified app ({@link SelfCallApp})
 * runs with the agent on each gRPC release (its own class path, resolved by {@code
 * grpc-versions/classpath.sh}) against the real Polaris server. On a supported version its server
 * registers, its client resolves {@code polaris://selfcall} through Polaris and calls it, and the
 * server deregisters when it shuts down; on an older version the agent writes one WARN line and the
 * app works as without it.
 *
 * <p>The versions are those where gRPC's internal layout changed (1.33, 1.59), both ends of the
 * supported range and one release in between. Each version runs in its own namespace.
 */
class GrpcVersionsTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final String SERVICE = "selfcall";
  private static final Duration CLASSPATH_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration VISIBLE = Duration.ofSeconds(30);

  /** Up to 3 calls of at most 20 s each (the first one waits for the instance to be discovered). */
  private static final Duration CALLS = Duration.ofSeconds(70);

  private static final Duration EXIT = Duration.ofSeconds(30);
  private static final Pattern AGENT_COMPLAINT =
      Pattern.compile("\\[polaris-agent\\] (WARN|ERROR) .*");

  /**
   * WARN lines the agent writes on a busy machine, and then recovers from: its background start
   * took over 10 s (it instruments the gRPC classes late), or the first registration timed out (it
   * is retried). Matters of load, not of the gRPC version: not counted as complaints.
   */
  private static final List<Pattern> SLOW_MACHINE =
      List.of(
          Pattern.compile("\\[polaris-agent\\] WARN instrumentation not ready after \\d+ ms; .*"),
          Pattern.compile(
              "\\[polaris-agent\\] WARN cannot register gRPC server on port \\d+ in Polaris yet .*"
                  + "registration is retried in the background"));

  @ParameterizedTest(name = "gRPC {0}")
  @ValueSource(strings = {"1.30.2", "1.33.1", "1.40.2", "1.59.1", "1.85.1"})
  void onASupportedVersionTheAppRegistersAndCallsItselfThroughPolaris(String version) {
    String namespace = namespaceOf(version);
    try (ForkedApp app =
        selfCallApp(version, namespace)
            .args(
                "--target=polaris://" + SERVICE,
                "--calls=3",
                "--deadline-ms=20000",
                "--wait-for-ready",
                "--serve-until-stdin-closes")
            .start()) {
      app.awaitLine("GRPC version=" + Pattern.quote(version), START);
      int port = Integer.parseInt(app.awaitLine("READY port=(\\d+)", START).group(1));

      // Stops early if the app dies (e.g. its channel build failed): the assertion below then says
      // so.
      List<Instance> registered =
          Poll.until(
              VISIBLE,
              Duration.ofMillis(50),
              () -> POLARIS.openApi().listInstances(SERVICE, namespace),
              list -> isRegistered(list, port) || !app.isAlive(),
              SERVICE
                  + " on port "
                  + port
                  + " registered and healthy in "
                  + namespace
                  + "; "
                  + app.describe());
      assertTrue(isRegistered(registered, port), registered + "; " + app.describe());
      Matcher calls = app.awaitLine("CALLS ok=(\\d+) failed=(\\d+) first-error=(.*)", CALLS);
      assertEquals(
          "3 0 none", calls.group(1) + " " + calls.group(2) + " " + calls.group(3), app.describe());
      app.awaitLine("SERVING", CALLS);
      List<Instance> instances = POLARIS.openApi().listInstances(SERVICE, namespace);
      assertEquals(
          List.of(port),
          instances.stream().map(Instance::port).collect(Collectors.toList()),
          instances.toString());

      app.closeStdin();
      assertExitsNormally(app);
      // The server deregisters before it stops serving, so it is gone once the app has exited.
      assertEquals(List.of(), POLARIS.openApi().listInstances(SERVICE, namespace), app.describe());
      assertEquals(List.of(), complaints(app), app.describe());
      // The calls went through the agent's balancer: the builder hooks made it the channel's
      // policy.
      assertTrue(
          app.stderrLines().stream()
              .anyMatch(
                  line ->
                      line.contains(
                          "service "
                              + SERVICE
                              + " in namespace "
                              + namespace
                              + ": balancer READY")),
          app.describe());
    }
  }

  @Test
  void onAnOlderVersionTheAgentWarnsOnceAndTheAppRunsUntouched() {
    String version = "1.29.0";
    String namespace = namespaceOf(version);
    try (ForkedApp app =
        selfCallApp(version, namespace)
            .args(
                "--target=127.0.0.1:{port}",
                "--calls=3",
                "--deadline-ms=10000",
                "--serve-until-stdin-closes")
            .start()) {
      app.awaitLine("GRPC version=" + Pattern.quote(version), START);
      app.awaitLine("CALLS ok=3 failed=0 first-error=none", CALLS);
      app.awaitLine("SERVING", CALLS);
      assertEquals(List.of(), POLARIS.openApi().listInstances(SERVICE, namespace), app.describe());

      app.closeStdin();
      assertExitsNormally(app);
      // The WARN is all the agent says: no registration, no deregistration, no other complaint.
      List<String> agentLines =
          app.stderrLines().stream()
              .filter(line -> line.startsWith("[polaris-agent] "))
              .filter(
                  line -> !line.startsWith("[polaris-agent] DEBUG")) // the test runs at debug level
              .filter(line -> SLOW_MACHINE.stream().noneMatch(slow -> slow.matcher(line).matches()))
              .collect(Collectors.toList());
      assertEquals(1, agentLines.size(), app.describe());
      assertTrue(
          agentLines
              .get(0)
              .startsWith("[polaris-agent] WARN gRPC " + version + " is not supported"),
          app.describe());
    }
  }

  private static ForkedApp.Builder selfCallApp(String version, String namespace) {
    return ForkedApp.main(SelfCallApp.class)
        .name("selfcall-" + version)
        .classpathOnly(classesDir() + File.pathSeparator + grpcClasspath(version))
        .withAgent()
        .property("polaris.log.level", "debug")
        .property("polaris.address", POLARIS.grpcAddress())
        .property("polaris.namespace", namespace)
        .property("polaris.service", SERVICE)
        // Enough to prove the server keeps serving after deregistering, without slowing every
        // version.
        .property("polaris.grpc.server.shutdown-delay", "200ms");
  }

  private static boolean isRegistered(List<Instance> instances, int port) {
    return instances.stream().anyMatch(instance -> instance.port() == port && instance.healthy());
  }

  private static void assertExitsNormally(ForkedApp app) {
    assertTrue(app.waitFor(EXIT), app.describe());
    assertEquals(0, app.exitCode(), app.describe());
    List<String> lines = app.lines();
    assertEquals("STOPPED", lines.get(lines.size() - 1), app.describe());
  }

  /**
   * The agent's WARN and ERROR lines on the app's stderr, but for those of {@link #SLOW_MACHINE}.
   */
  private static List<String> complaints(ForkedApp app) {
    return app.stderrLines().stream()
        .filter(line -> AGENT_COMPLAINT.matcher(line).matches())
        .filter(line -> SLOW_MACHINE.stream().noneMatch(slow -> slow.matcher(line).matches()))
        .collect(Collectors.toList());
  }

  private static String namespaceOf(String version) {
    return "grpc-" + version.replace('.', '-');
  }

  /** The module's compiled samples (only {@code samples.versions} is used); set by surefire. */
  private static String classesDir() {
    return Paths.get(System.getProperty("sample.classes.dir", "target/classes"))
        .toAbsolutePath()
        .toString();
  }

  /** The runtime class path of gRPC {@code version}, from {@code grpc-versions/classpath.sh}. */
  private static String grpcClasspath(String version) {
    return ScriptOutput.run(
        ScriptOutput.moduleScript("grpc-versions/classpath.sh"), CLASSPATH_TIMEOUT, version);
  }
}
