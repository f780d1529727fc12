package org.polarisagent.it.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;

/**
 * Three providers, one consumer: calls through {@code polaris://echo} spread over all of them,
 * whichever builder entry point made the channel, and a plain target mapped by configuration
 * reaches them too. Meanwhile the app never sees a system property of the agent's or its SDK's.
 */
class LoadBalancingTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration RUN = Duration.ofSeconds(90);
  private static List<ForkedApp> providers;

  @BeforeAll
  static void startProviders() {
    providers = Providers.startAll(POLARIS, "echo", "p", 3);
  }

  @AfterAll
  static void stopProviders() {
    providers.forEach(ForkedApp::close);
  }

  @Test
  void roundRobinGivesEveryProviderAFairShare() {
    Map<String, Integer> counts = run("round_robin", "forTarget", "polaris://echo", 300);
    assertEquals(3, counts.size(), counts.toString());
    counts.forEach(
        (name, count) ->
            assertTrue(Math.abs(count - 100) <= 10, "unfair share for " + name + ": " + counts));
  }

  @Test
  void theAppNeverSeesASystemPropertyOfTheAgentOrItsSdk() {
    // polaris.service starts the SDK at JVM start, so it starts while the app's main runs.
    try (ForkedApp consumer =
        POLARIS
            .agentApp(EchoConsumer.class, "consumer-watching-properties")
            .property("polaris.service", "echo-consumer")
            .args(
                "--target=polaris://echo",
                "--calls=10",
                "--rate=20",
                "--deadline=10s",
                "--watch-properties=true")
            .start()) {
      Matcher appeared = consumer.awaitLine("PROPERTIES appeared=(.*)", RUN);
      assertTrue(
          consumer.lines().contains("RESULT ok=10 failed=0 sent=10 unfinished=0 replies=10"),
          consumer.describe());
      assertEquals(
          List.of(),
          Arrays.stream(appeared.group(1).split(","))
              .filter(name -> name.toLowerCase(Locale.ROOT).contains("polaris"))
              .toList(),
          "properties the app saw appear: " + appeared.group(1));
    }
  }

  @Test
  void weightedRandomReachesEveryProvider() {
    Map<String, Integer> counts =
        run("weighted_random", "forTarget", "polaris://echo?namespace=default", 300);
    assertEquals(3, counts.size(), counts.toString());
    counts.forEach(
        (name, count) -> assertTrue(count >= 50, "too few calls for " + name + ": " + counts));
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpcNewChannelBuilder", "netty", "okhttp"})
  void everyTargetEntryPointUsesPolaris(String entry) {
    Map<String, Integer> counts = run("round_robin", entry, "polaris://echo", 30);
    assertEquals(3, counts.size(), entry + ": " + counts);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"forTarget", "forAddress", "grpcNewChannelBuilderForAddress", "nettyForAddress"})
  void mappedPlainTargetReachesThePolarisInstances(String entry) {
    Map<String, Integer> counts =
        run(
            "round_robin",
            entry,
            "echo.internal:50051",
            30,
            "polaris.grpc.client.target-mapping",
            "echo.internal:50051=echo");
    assertEquals(3, counts.size(), entry + ": " + counts);
  }

  @Test
  void hashHeaderGrpcRejectsGivesOneErrorLineAndCallsStillWork() {
    ForkedApp.Builder builder =
        POLARIS
            .agentApp(EchoConsumer.class, "consumer-bad-hash-header")
            .property("polaris.loadbalancer", "ring_hash")
            .property("polaris.loadbalancer.hash-header", "x-user-bin")
            .args(
                "--target=polaris://echo",
                "--calls=30",
                "--rate=100",
                "--deadline=10s",
                "--header=x-user=alice");
    try (ForkedApp consumer = builder.start()) {
      Matcher result = consumer.awaitLine("RESULT ok=(\\d+) failed=(\\d+) .*", RUN);
      assertEquals("30", result.group(1), consumer.describe());
      assertTrue(consumer.waitFor(RUN), consumer.describe());
      List<String> errors =
          consumer.stderrLines().stream()
              .filter(line -> line.startsWith("[polaris-agent] ERROR"))
              .toList();
      assertEquals(1, errors.size(), consumer.stderr());
      assertTrue(
          errors.get(0).contains("polaris.loadbalancer.hash-header")
              && errors.get(0).contains("x-user-bin"),
          errors.get(0));
    }
  }

  /** Runs a consumer to the end; asserts that no call failed and returns the calls per provider. */
  private static Map<String, Integer> run(
      String policy, String entry, String target, int calls, String... properties) {
    ForkedApp.Builder builder =
        POLARIS
            .agentApp(EchoConsumer.class, "consumer-" + entry)
            .property("polaris.service", "echo-consumer")
            .property("polaris.loadbalancer", policy)
            // Startup latency is a benchmark figure, not asserted here: the first calls may wait
            // for the SDK.
            .args(
                "--target=" + target,
                "--entry=" + entry,
                "--calls=" + calls,
                "--rate=100",
                "--deadline=10s");
    for (int i = 0; i + 1 < properties.length; i += 2) {
      builder.property(properties[i], properties[i + 1]);
    }
    try (ForkedApp consumer = builder.start()) {
      Matcher result = consumer.awaitLine("RESULT ok=(\\d+) failed=(\\d+) .*", RUN);
      assertEquals(String.valueOf(calls), result.group(1), consumer.describe());
      assertTrue(consumer.waitFor(RUN), consumer.describe());
      return ConsumerProgress.callsPerInstance(consumer);
    }
  }
}
