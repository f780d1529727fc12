package org.polarisagent.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The text a scrape returns: the exposition format, the metrics' values and the series cap. */
class AgentMetricsTest {

  @Test
  void callsAreCountedByStatusAndTimedInCumulativeBuckets() {
    AgentMetrics metrics = new AgentMetrics(100);
    CallSeries echo = metrics.calls("default", "echo", "10.0.0.1:50051", "/echo.Echo/Echo");
    echo.ended(0, "OK", TimeUnit.MICROSECONDS.toNanos(800));
    echo.ended(0, "OK", TimeUnit.MILLISECONDS.toNanos(30));
    echo.ended(14, "UNAVAILABLE", TimeUnit.SECONDS.toNanos(20));
    metrics.calls("default", "echo", "", "/echo.Echo/Echo").ended(14, "UNAVAILABLE", -1);

    List<String> lines = lines(metrics.scrape());

    assertTrue(lines.contains("# TYPE polaris_agent_calls_total counter"), lines.toString());
    assertTrue(
        lines.contains(
            "polaris_agent_calls_total{dest_namespace=\"default\",dest_service=\"echo\","
                + "dest_instance=\"10.0.0.1:50051\",method=\"/echo.Echo/Echo\",code=\"OK\"} 2"),
        lines.toString());
    assertTrue(
        lines.contains(
            "polaris_agent_calls_total{dest_namespace=\"default\",dest_service=\"echo\","
                + "dest_instance=\"10.0.0.1:50051\",method=\"/echo.Echo/Echo\",code=\"UNAVAILABLE\"} 1"),
        lines.toString());
    assertTrue(
        lines.contains(
            "polaris_agent_calls_total{dest_namespace=\"default\",dest_service=\"echo\","
                + "dest_instance=\"\",method=\"/echo.Echo/Echo\",code=\"UNAVAILABLE\"} 1"),
        lines.toString());
    String series = "dest_namespace=\"default\",dest_service=\"echo\",method=\"/echo.Echo/Echo\"";
    assertTrue(lines.contains("# TYPE polaris_agent_call_duration_seconds histogram"));
    assertTrue(
        lines.contains(
            "polaris_agent_call_duration_seconds_bucket{" + series + ",le=\"0.001\"} 1"));
    assertTrue(
        lines.contains(
            "polaris_agent_call_duration_seconds_bucket{" + series + ",le=\"0.025\"} 1"));
    assertTrue(
        lines.contains("polaris_agent_call_duration_seconds_bucket{" + series + ",le=\"0.05\"} 2"));
    assertTrue(
        lines.contains("polaris_agent_call_duration_seconds_bucket{" + series + ",le=\"10.0\"} 2"));
    assertTrue(
        lines.contains("polaris_agent_call_duration_seconds_bucket{" + series + ",le=\"1.0\"} 2"));
    assertTrue(
        lines.contains("polaris_agent_call_duration_seconds_bucket{" + series + ",le=\"+Inf\"} 3"));
    // A call that never reached an instance has no duration.
    assertTrue(lines.contains("polaris_agent_call_duration_seconds_count{" + series + "} 3"));
    assertTrue(lines.contains("polaris_agent_call_duration_seconds_sum{" + series + "} 20.0308"));
  }

  @Test
  void everyMetricHasHelpAndTypeAndTheSdkStateIsOneOfFive() {
    AgentMetrics metrics = new AgentMetrics(100);
    Map<String, String> connections = new HashMap<>();
    connections.put("service_discover", "ready");
    connections.put("health_check", "transient_failure");
    metrics.watchSdk(
        new AgentMetrics.SdkState() {
          @Override
          public String state() {
            return "running";
          }

          @Override
          public Map<String, String> connections() {
            return connections;
          }
        });
    metrics.channelInstances("default", "echo").set(3);
    metrics.registered("default", "echo", "10.0.0.2:50051", true);
    metrics.rateLimitRejections("default", "echo", "echo-limit").increment();
    metrics.holdInstance("default", "echo", "10.0.0.1:50051");
    metrics.breakerChanged("default", "echo", "10.0.0.1:50051", "", true);
    metrics.breakerChanged("default", "echo", "", "/echo.Echo/Other", true);
    metrics.breakerChanged("default", "echo", "", "", true);
    metrics.breakerChanged("default", "echo", "", "", false);
    metrics.breakerChanged("default", "echo", "10.0.0.3:50051", "", true); // not held: not counted
    metrics.outcomesDropped().add(7);

    List<String> lines = lines(metrics.scrape());

    for (String name :
        Arrays.asList(
            "polaris_agent_calls_total",
            "polaris_agent_call_duration_seconds",
            "polaris_agent_instances",
            "polaris_agent_circuit_breaker_changes_total",
            "polaris_agent_ratelimit_rejections_total",
            "polaris_agent_instance_registered",
            "polaris_agent_sdk_state",
            "polaris_agent_sdk_connection_state",
            "polaris_agent_outcomes_dropped_total")) {
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("# HELP " + name + " ")), name);
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("# TYPE " + name + " ")), name);
    }
    assertTrue(
        lines.contains(
            "polaris_agent_instances{dest_namespace=\"default\",dest_service=\"echo\"} 3"));
    assertTrue(
        lines.contains(
            "polaris_agent_instance_registered{polaris_namespace=\"default\",polaris_service=\"echo\","
                + "polaris_instance=\"10.0.0.2:50051\"} 1"));
    assertTrue(
        lines.contains(
            "polaris_agent_ratelimit_rejections_total{polaris_namespace=\"default\",polaris_service=\"echo\","
                + "rule=\"echo-limit\"} 1"));
    assertTrue(
        lines.contains(
            "polaris_agent_circuit_breaker_changes_total{dest_namespace=\"default\",dest_service=\"echo\","
                + "dest_instance=\"10.0.0.1:50051\",method=\"\",state=\"open\"} 1"));
    String breakers =
        "polaris_agent_circuit_breaker_changes_total{dest_namespace=\"default\",dest_service=\"echo\",";
    assertTrue(
        lines.contains(
            breakers + "dest_instance=\"\",method=\"/echo.Echo/Other\",state=\"open\"} 1"));
    assertTrue(lines.contains(breakers + "dest_instance=\"\",method=\"\",state=\"open\"} 1"));
    assertTrue(lines.contains(breakers + "dest_instance=\"\",method=\"\",state=\"closed\"} 1"));
    assertEquals(4, lines.stream().filter(l -> l.startsWith(breakers)).count(), lines.toString());
    assertTrue(lines.contains("polaris_agent_outcomes_dropped_total 7"));
    assertTrue(
        lines.contains(
            "polaris_agent_sdk_connection_state{purpose=\"service_discover\",state=\"ready\"} 1"));
    assertTrue(
        lines.contains(
            "polaris_agent_sdk_connection_state{purpose=\"health_check\",state=\"ready\"} 0"));
    assertTrue(
        lines.contains(
            "polaris_agent_sdk_connection_state{purpose=\"health_check\",state=\"transient_failure\"} 1"));
    assertEquals(
        10,
        lines.stream().filter(l -> l.startsWith("polaris_agent_sdk_connection_state{")).count());
    connections.remove("health_check");
    assertFalse(
        metrics.scrape().contains("purpose=\"health_check\""), "a connection gone, its series too");
    assertTrue(lines.contains("polaris_agent_sdk_state{state=\"running\"} 1"));
    assertTrue(lines.contains("polaris_agent_sdk_state{state=\"starting\"} 0"));
    assertEquals(5, lines.stream().filter(l -> l.startsWith("polaris_agent_sdk_state{")).count());
  }

  @Test
  void labelValuesAndHelpAreEscaped() {
    AgentMetrics metrics = new AgentMetrics(100);
    metrics.rateLimitRejections("default", "echo", "a \"quoted\" back\\slash\nrule").increment();

    String text = metrics.scrape();

    assertTrue(text.contains("rule=\"a \\\"quoted\\\" back\\\\slash\\nrule\"} 1\n"), text);
    for (String line : lines(text)) {
      assertFalse(line.isEmpty(), "no empty line in " + text);
    }
  }

  @Test
  void pastTheCapNewLabelSetsShareTheOverflowSeries() {
    AgentMetrics metrics = new AgentMetrics(2);
    metrics.rateLimitRejections("default", "echo", "r1").increment();
    metrics.rateLimitRejections("default", "echo", "r2").increment();
    metrics.rateLimitRejections("default", "echo", "r3").increment();
    metrics.rateLimitRejections("default", "echo", "r4").increment();
    metrics.rateLimitRejections("default", "echo", "r1").increment();

    List<String> samples =
        lines(metrics.scrape()).stream()
            .filter(l -> l.startsWith("polaris_agent_ratelimit_rejections_total{"))
            .sorted()
            .collect(Collectors.toList());

    assertEquals(
        Arrays.asList(
            "polaris_agent_ratelimit_rejections_total{polaris_namespace=\"default\","
                + "polaris_service=\"echo\",rule=\"_overflow_\"} 2",
            "polaris_agent_ratelimit_rejections_total{polaris_namespace=\"default\",polaris_service=\"echo\","
                + "rule=\"r1\"} 2",
            "polaris_agent_ratelimit_rejections_total{polaris_namespace=\"default\",polaris_service=\"echo\","
                + "rule=\"r2\"} 1"),
        samples);
  }

  @Test
  void anInstanceNoBalancerHoldsLosesItsSeriesAndComesBackFromZero() {
    AgentMetrics metrics = new AgentMetrics(100);
    metrics.holdInstance("default", "echo", "10.0.0.1:50051");
    metrics.holdInstance("default", "echo", "10.0.0.1:50051"); // a second channel
    CallSeries first = metrics.calls("default", "echo", "10.0.0.1:50051", "/echo.Echo/Echo");
    first.ended(0, "OK", 1000);
    metrics.breakerChanged("default", "echo", "10.0.0.1:50051", "", true);
    String calls =
        "polaris_agent_calls_total{dest_namespace=\"default\",dest_service=\"echo\","
            + "dest_instance=\"10.0.0.1:50051\",method=\"/echo.Echo/Echo\",code=\"OK\"} ";
    String breaker =
        "polaris_agent_circuit_breaker_changes_total{dest_namespace=\"default\",dest_service=\"echo\","
            + "dest_instance=\"10.0.0.1:50051\",method=\"\",state=\"open\"} 1";

    metrics.releaseInstance("default", "echo", "10.0.0.1:50051");
    assertTrue(lines(metrics.scrape()).contains(calls + "1"), "one channel still holds it");

    metrics.releaseInstance("default", "echo", "10.0.0.1:50051");
    first.ended(14, "UNAVAILABLE", 1000); // a call in flight when the instance went
    metrics.breakerChanged("default", "echo", "10.0.0.1:50051", "", false);
    String gone = metrics.scrape();
    assertFalse(gone.contains("10.0.0.1:50051"), gone);

    metrics.holdInstance("default", "echo", "10.0.0.1:50051");
    metrics.calls("default", "echo", "10.0.0.1:50051", "/echo.Echo/Echo").ended(0, "OK", 1000);
    List<String> back = lines(metrics.scrape());
    assertTrue(back.contains(calls + "1"), back.toString());
    assertFalse(back.stream().anyMatch(l -> l.startsWith(breaker)), back.toString());
  }

  @Test
  void instancesComingAndGoingNeverFillTheCap() {
    AgentMetrics metrics = new AgentMetrics(10);
    for (int i = 0; i < 100; i++) {
      String instance = "10.0.0." + i + ":50051";
      metrics.holdInstance("default", "echo", instance);
      metrics.calls("default", "echo", instance, "/echo.Echo/Echo").ended(0, "OK", 1000);
      metrics.releaseInstance("default", "echo", instance);
    }
    metrics.holdInstance("default", "echo", "10.0.1.1:50051");
    metrics.calls("default", "echo", "10.0.1.1:50051", "/echo.Echo/Echo").ended(0, "OK", 1000);

    List<String> samples =
        lines(metrics.scrape()).stream()
            .filter(l -> l.startsWith("polaris_agent_calls_total{"))
            .collect(Collectors.toList());
    assertEquals(
        Arrays.asList(
            "polaris_agent_calls_total{dest_namespace=\"default\",dest_service=\"echo\","
                + "dest_instance=\"10.0.1.1:50051\",method=\"/echo.Echo/Echo\",code=\"OK\"} 1"),
        samples);
  }

  @Test
  void instancesShowTheMostAnOpenChannelHasAndGoWithTheLastChannel() {
    AgentMetrics metrics = new AgentMetrics(100);
    AgentMetrics.ChannelInstances first = metrics.channelInstances("default", "echo");
    AgentMetrics.ChannelInstances second = metrics.channelInstances("default", "echo");
    first.set(3);
    second.set(2);
    String echo = "polaris_agent_instances{dest_namespace=\"default\",dest_service=\"echo\"} ";

    assertTrue(lines(metrics.scrape()).contains(echo + "3"));

    first.close();
    assertTrue(lines(metrics.scrape()).contains(echo + "2"));

    second.set(0);
    assertTrue(lines(metrics.scrape()).contains(echo + "0"), "an open channel with none");

    second.close();
    String text = metrics.scrape();
    assertTrue(text.contains("# TYPE polaris_agent_instances gauge"), text);
    assertFalse(text.contains("polaris_agent_instances{"), text);
  }

  @Test
  void aDeregisteredInstanceLosesItsSeries() {
    AgentMetrics metrics = new AgentMetrics(100);
    metrics.registered("default", "echo", "10.0.0.2:50051", true);
    metrics.deregistered("default", "echo", "10.0.0.2:50051");

    String text = metrics.scrape();

    assertTrue(text.contains("# TYPE polaris_agent_instance_registered gauge"), text);
    assertFalse(text.contains("10.0.0.2:50051"), text);
  }

  private static List<String> lines(String text) {
    assertTrue(text.endsWith("\n"), "the text ends with a line feed");
    return Arrays.asList(text.split("\n", -1)).subList(0, text.split("\n", -1).length - 1);
  }
}
