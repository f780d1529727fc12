package org.polarisagent.it.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.it.harness.Scrape;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.PolarisOpenApi;
import org.polarisagent.testing.Poll;
import org.polarisagent.testing.Rules;

/**
 * The agent's metrics as a user scrapes them: an unmodified consumer and provider with {@code
 * polaris.metrics.port=0} show their calls by status, the instances they know, rate-limit
 * rejections and registration; without the key, the agent opens no port and says nothing about
 * metrics.
 */
class MetricsTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration SETTLE = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(250);
  private static final String METRICS_LINE =
      ".*\\[polaris-agent\\] INFO metrics at http://127\\.0\\.0\\.1:(\\d+)/metrics";
  private static final String PER_SECOND = "5";
  private static final String DISCOVERY_READY =
      "polaris_agent_sdk_connection_state{purpose=\"service_discover\",state=\"ready\"}";

  @Test
  void aConsumerAndAProviderShowCallsByStatusInstancesRejectionsAndRegistration() {
    String service = "metrics-echo";
    String method = "method=\"/echo.Echo/Echo\"";
    String calls =
        "polaris_agent_calls_total{dest_namespace=\"default\",dest_service=\"" + service + "\",";
    try (ForkedApp provider =
        POLARIS
            .agentApp(EchoProvider.class, "provider-metrics")
            .property("polaris.service", service)
            .property("polaris.metrics.port", "0")
            .property("polaris.grpc.server.shutdown-delay", "0s")
            .args("--name=pm")
            .start()) {
      int grpcPort = Integer.parseInt(provider.awaitLine("READY port=(\\d+) .*", START).group(1));
      int providerMetrics =
          Integer.parseInt(provider.awaitStderrLine(METRICS_LINE, START).group(1));
      String registered =
          "polaris_agent_instance_registered{polaris_namespace=\"default\",polaris_service=\""
              + service
              + "\",";
      Poll.until(
          START,
          POLL,
          () -> Scrape.of(providerMetrics),
          s -> s.sum(k -> k.startsWith(registered) && k.endsWith(":" + grpcPort + "\"}")) == 1,
          "the provider's instance shown registered");
      assertEquals(Set.of(grpcPort, providerMetrics), ListeningPorts.of(provider.pid()));

      Rules.localRateLimit(
          POLARIS.openApi(),
          service,
          "metrics-limit",
          "/echo.Echo/Echo",
          Integer.parseInt(PER_SECOND));
      provider.awaitStderrLine(
          ".*INFO rate limiting of calls to default/" + service + ": Polaris rules .* in force",
          SETTLE);

      try (ForkedApp consumer =
          POLARIS
              .agentApp(EchoConsumer.class, "consumer-metrics")
              .property("polaris.metrics.port", "0")
              .args(
                  "--target=polaris://" + service,
                  "--method=Echo",
                  "--rate=30",
                  "--duration=120s",
                  "--deadline=10s")
              .start()) {
        int consumerMetrics =
            Integer.parseInt(consumer.awaitStderrLine(METRICS_LINE, START).group(1));
        String instance = "dest_instance=\"127.0.0.1:" + grpcPort + "\",";
        Scrape seen =
            Poll.until(
                START,
                POLL,
                () -> Scrape.of(consumerMetrics),
                s ->
                    s.value(calls + instance + method + ",code=\"OK\"}") >= 10
                        && s.value(calls + instance + method + ",code=\"RESOURCE_EXHAUSTED\"}")
                            >= 10,
                "calls to the provider counted as OK and as RESOURCE_EXHAUSTED");
        assertEquals(
            1.0,
            seen.value(
                "polaris_agent_instances{dest_namespace=\"default\",dest_service=\""
                    + service
                    + "\"}"),
            seen.text());
        assertEquals(1.0, seen.value("polaris_agent_sdk_state{state=\"running\"}"), seen.text());
        assertEquals(1.0, seen.value(DISCOVERY_READY), seen.text());
        assertTrue(
            seen.value(
                    "polaris_agent_call_duration_seconds_count{dest_namespace=\"default\",dest_service=\""
                        + service
                        + "\","
                        + method
                        + "}")
                >= 10,
            seen.text());
        Scrape providerSeen =
            Poll.until(
                SETTLE,
                POLL,
                () -> Scrape.of(providerMetrics),
                s ->
                    s.value(
                            "polaris_agent_ratelimit_rejections_total{polaris_namespace=\"default\","
                                + "polaris_service=\""
                                + service
                                + "\",rule=\"metrics-limit\"}")
                        >= 10,
                "the rule's rejections counted by the provider");
        assertEquals(1.0, providerSeen.value("polaris_agent_sdk_state{state=\"running\"}"));
        assertEquals(1.0, providerSeen.value(DISCOVERY_READY), providerSeen.text());

        provider.sigterm();
        assertTrue(provider.waitFor(START), provider.describe());
        Scrape after =
            Poll.until(
                SETTLE,
                POLL,
                () -> Scrape.of(consumerMetrics),
                s ->
                    s.value(
                                "polaris_agent_instances{dest_namespace=\"default\",dest_service=\""
                                    + service
                                    + "\"}")
                            == 0
                        && s.value(
                                calls + "dest_instance=\"\"," + method + ",code=\"UNAVAILABLE\"}")
                            >= 1,
                "no instance left and calls failing with UNAVAILABLE before reaching one");
        System.out.println("[metrics] consumer after its provider left:\n" + after.text());

        POLARIS.stop();
        try {
          Scrape cut =
              Poll.until(
                  SETTLE,
                  POLL,
                  () -> Scrape.of(consumerMetrics),
                  s -> s.value(DISCOVERY_READY) != 1,
                  "the consumer's connection to Polaris shown not ready once Polaris stopped");
          System.out.println(
              "[metrics] connection states with Polaris stopped: "
                  + cut.samples().entrySet().stream()
                      .filter(e -> e.getKey().startsWith("polaris_agent_sdk_connection_state{"))
                      .filter(e -> e.getValue() == 1)
                      .map(Map.Entry::getKey)
                      .toList());
        } finally {
          POLARIS.start();
        }
      }
    }
  }

  @Test
  void withoutThePortKeyTheAgentOpensNoPortAndSaysNothingAboutMetrics() {
    String service = "metrics-off";
    try (ForkedApp provider =
        POLARIS
            .agentApp(EchoProvider.class, "provider-metrics-off")
            .property("polaris.service", service)
            .property("polaris.grpc.server.shutdown-delay", "0s")
            .args("--name=po")
            .start()) {
      int grpcPort = Integer.parseInt(provider.awaitLine("READY port=(\\d+) .*", START).group(1));
      // The agent is at work: its SDK registered the server.
      Poll.until(
          START,
          POLL,
          () -> POLARIS.openApi().listInstances(service, "default"),
          list -> list.stream().anyMatch(PolarisOpenApi.Instance::healthy),
          "a healthy instance of " + service);
      assertEquals(Set.of(grpcPort), ListeningPorts.of(provider.pid()), provider.describe());
      assertTrue(
          provider.stderrLines().stream()
              .noneMatch(l -> l.contains("INFO metrics at") || l.contains("metrics are off")),
          provider.describe());
    }
  }
}
