package org.polarisagent.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.samples.PlainApp;
import org.polarisagent.testing.FreePorts;

/**
 * The agent hides everything but its bridge types: an app that brings its own Byte Buddy, slf4j +
 * logback, guava, netty and protobuf sees its own copies, no agent internal, and prints and logs
 * exactly what it prints and logs without the agent.
 */
class AgentIsolationTest {

  private static final Duration RUN = Duration.ofSeconds(90);

  @Test
  void appSeesOnlyItsOwnLibrariesAndLogsAsWithoutTheAgent() throws Exception {
    String unusedPolaris = "127.0.0.1:" + FreePorts.pick();
    List<String> plainOut;
    List<String> plainErr;
    try (ForkedApp plain =
        ForkedApp.main(PlainApp.class).name("plain-without-agent").withAppLibraries().start()) {
      assertTrue(plain.waitFor(RUN), "app without agent did not finish: " + plain.describe());
      assertEquals(0, plain.exitCode(), plain.describe());
      plainOut = plain.lines();
      plainErr = plain.stderrLines();
    }
    try (ForkedApp agent =
        ForkedApp.main(PlainApp.class)
            .name("plain-with-agent")
            .withAppLibraries()
            .withAgent()
            .property("polaris.address", unusedPolaris)
            .property("polaris.log.level", "debug")
            .start()) {
      assertTrue(agent.waitFor(RUN), "app with agent did not finish: " + agent.describe());
      assertEquals(0, agent.exitCode(), agent.describe());
      assertTrue(
          agent.stderr().contains("premain done in"),
          "the agent must have run: " + agent.describe());
      assertEquals(plainOut, agent.lines(), "stdout differs with the agent");
      assertEquals(
          plainErr,
          withoutAgentLines(agent.stderrLines()),
          "the app's stderr differs with the agent");
      List<String> out = agent.lines();
      HiddenAgent.assertAppSeesOnlyItsOwnLibraries(out);
      try (java.util.stream.Stream<java.nio.file.Path> files =
          java.nio.file.Files.list(agent.workingDirectory())) {
        assertEquals(
            List.of(),
            files.collect(Collectors.toList()),
            "the agent must not write into the application's working directory");
      }
    }
  }

  private static List<String> withoutAgentLines(List<String> stderr) {
    return stderr.stream()
        .filter(line -> !line.startsWith("[polaris-agent]"))
        .collect(Collectors.toList());
  }
}
