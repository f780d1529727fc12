package org.polarisagent.it.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.testing.Poll;

/**
 * A provider that starts while Polaris is down serves anyway, warns once, keeps retrying in the
 * background and registers within seconds of Polaris coming up.
 */
class ProviderPolarisOutageTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  @Test
  void aProviderStartedBeforePolarisRegistersOncePolarisIsUp() {
    String namespace = "provider-outage";
    POLARIS.stop();
    try (ForkedApp app =
        AgentProviders.provider(POLARIS, "provider-outage", namespace)
            .property("polaris.log.level", "debug")
            .args("--name=p1", "--port=0")
            .start()) {
      int port = AgentProviders.awaitListening(app);
      assertEquals("p1:while-polaris-is-down", DirectCall.echo(port, "while-polaris-is-down"));
      // Two retries after the first failure: the agent keeps trying, quietly.
      Poll.until(
          Duration.ofSeconds(30),
          Duration.ofMillis(100),
          () ->
              app.stderrLines().stream()
                  .filter(
                      line ->
                          line.startsWith("[polaris-agent] DEBUG")
                              && line.contains(
                                  "registration of gRPC server on port " + port + " failed again"))
                  .count(),
          count -> count >= 2,
          "two background retries");

      POLARIS.start();
      long polarisUp = System.nanoTime();
      Poll.until(
          Duration.ofSeconds(20),
          Duration.ofMillis(50),
          () -> AgentProviders.echoInstances(POLARIS, namespace),
          list -> list.size() == 1 && list.get(0).healthy() && list.get(0).port() == port,
          "the provider registered after Polaris came up");
      long registeredMillis = Duration.ofNanos(System.nanoTime() - polarisUp).toMillis();
      System.out.println("[provider] Polaris up -> provider visible: " + registeredMillis + " ms");

      // The instance can be listed a moment before the agent's log line about it is read.
      app.awaitStderrLine(
          "\\[polaris-agent\\] INFO registered gRPC server on port " + port + " .*",
          Duration.ofSeconds(10));
      List<String> agentLines =
          app.stderrLines().stream()
              .filter(
                  line ->
                      line.startsWith("[polaris-agent] WARN")
                          || line.startsWith("[polaris-agent] INFO"))
              .filter(line -> line.contains("gRPC server on port " + port))
              .toList();
      assertEquals(
          1,
          agentLines.stream().filter(line -> line.contains("WARN cannot register")).count(),
          String.join("\n", agentLines));
      assertEquals(
          1,
          agentLines.stream().filter(line -> line.contains("INFO registered")).count(),
          String.join("\n", agentLines));
      assertTrue(app.isAlive(), app.describe());

      app.sigterm();
      assertTrue(app.waitFor(Duration.ofSeconds(30)), app.describe());
    }
  }

  /**
   * A registered provider whose instance Polaris lost (a restart with an empty store) registers it
   * again: its heartbeats come back "not found", and the agent registers anew.
   */
  @Test
  void aRegisteredProviderRegistersAgainWhenPolarisLostItsInstance() {
    String namespace = "provider-lost";
    try (ForkedApp app =
        AgentProviders.provider(POLARIS, "provider-lost", namespace)
            .args("--name=p1", "--port=0")
            .start()) {
      int port = AgentProviders.awaitListening(app);
      Poll.until(
          Duration.ofSeconds(30),
          Duration.ofMillis(50),
          () -> AgentProviders.echoInstances(POLARIS, namespace),
          list -> list.size() == 1 && list.get(0).healthy() && list.get(0).port() == port,
          "the provider registered");

      POLARIS.stop();
      POLARIS.start(); // with an empty store
      long polarisUp = System.nanoTime();
      // A fresh server answers heartbeats of instances it does not know as accepted for about
      // 25 s (seen in its log), then "not found": that, not the agent, sets the pace.
      Poll.until(
          Duration.ofSeconds(60),
          Duration.ofMillis(50),
          () -> AgentProviders.echoInstances(POLARIS, namespace),
          list -> list.size() == 1 && list.get(0).healthy() && list.get(0).port() == port,
          "the provider registered again after Polaris lost its instance");
      System.out.println(
          "[provider] Polaris up with an empty store -> provider registered again: "
              + Duration.ofNanos(System.nanoTime() - polarisUp).toMillis()
              + " ms");
      app.awaitStderrLine(
          "\\[polaris-agent\\] INFO registered .* again: Polaris did not know it any more",
          Duration.ofSeconds(10));

      app.sigterm();
      assertTrue(app.waitFor(Duration.ofSeconds(30)), app.describe());
    }
  }
}
