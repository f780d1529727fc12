package org.polarisagent.it.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;

/**
 * Deterministic subsetting ({@code polaris.loadbalancer.subset-size}): 20 channels of one consumer,
 * subsets of 5 over 50 instances of one service (one provider JVM with 50 gRPC servers, each
 * registered by the agent). Each channel reaches exactly 5 instances, and the calls spread evenly
 * over all 50.
 */
class SubsetSpreadTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final String SERVICE = "subset-echo";
  private static final int INSTANCES = 50;
  private static final int CHANNELS = 20;
  private static final int SUBSET = 5;
  private static final int CALLS = 2000;
  private static final Duration RUN = Duration.ofSeconds(90);
  private static final Pattern INSTANCE =
      Pattern.compile("INSTANCE name=(\\S+)@c(\\d+) count=(\\d+)");

  @Test
  void twentyChannelsWithSubsetsOfFiveSpreadCallsEvenlyOverFiftyInstances() {
    try (ForkedApp provider =
        Providers.started(
            Providers.builder(
                POLARIS, SERVICE, "s", List.of("--servers=" + INSTANCES, "--port=0")))) {
      Providers.awaitHealthy(POLARIS, SERVICE, INSTANCES);
      ForkedApp.Builder consumer =
          POLARIS
              .agentApp(EchoConsumer.class, "consumer-subsets")
              .property("polaris.loadbalancer", "round_robin")
              .property("polaris.loadbalancer.subset-size", String.valueOf(SUBSET))
              .args(
                  "--target=polaris://" + SERVICE,
                  "--channels=" + CHANNELS,
                  "--calls=" + CALLS,
                  "--rate=200",
                  "--deadline=10s",
                  "--progress=false");
      try (ForkedApp app = consumer.start()) {
        Matcher result = app.awaitLine("RESULT ok=(\\d+) failed=(\\d+) .*", RUN);
        assertEquals(String.valueOf(CALLS), result.group(1), app.describe());
        assertTrue(app.waitFor(RUN), app.describe());
        Map<Integer, Map<String, Integer>> byChannel = new TreeMap<>();
        Map<String, Integer> byInstance = new TreeMap<>();
        for (String line : app.lines()) {
          Matcher instance = INSTANCE.matcher(line);
          if (instance.matches()) {
            int count = Integer.parseInt(instance.group(3));
            byChannel
                .computeIfAbsent(Integer.parseInt(instance.group(2)), any -> new HashMap<>())
                .merge(instance.group(1), count, Integer::sum);
            byInstance.merge(instance.group(1), count, Integer::sum);
          }
        }
        assertEquals(CHANNELS, byChannel.size(), byChannel.toString());
        byChannel.forEach(
            (channel, instances) ->
                assertEquals(
                    SUBSET, instances.size(), "channel " + channel + " reached " + instances));
        assertEquals(
            INSTANCES, byInstance.size(), "every instance is in some subset: " + byInstance);
        double even = CALLS / (double) INSTANCES;
        byInstance.forEach(
            (instance, count) ->
                assertTrue(
                    Math.abs(count - even) <= 0.2 * even,
                    instance + " got " + count + " calls, even is " + even + ": " + byInstance));
      }
    }
  }
}
