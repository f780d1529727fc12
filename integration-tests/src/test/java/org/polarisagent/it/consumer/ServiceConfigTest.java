package org.polarisagent.it.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;

/**
 * The application's default service config stays in force on a channel whose plain target is mapped
 * to Polaris: a per-method timeout still times calls out and a retry policy still retries, exactly
 * as without the agent; only the load-balancing part of the config is the agent's.
 *
 * <p>Two providers answer after 300 ms and fail the first attempt of every {@code Echo} call with
 * UNAVAILABLE. The app's config gives {@code Other} a 100 ms timeout, gives {@code Echo} a retry
 * policy on UNAVAILABLE, and names pick_first. Circuit breaking is off: the failed attempts would
 * trip it, which is not what this test is about.
 */
class ServiceConfigTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final String SERVICE = "configured";
  private static final String MAPPED = "configured.internal:50051";
  private static final Duration RUN = Duration.ofSeconds(90);
  private static final Pattern RESULT = Pattern.compile("RESULT ok=(\\d+) failed=(\\d+) .*");
  private static final Pattern ERROR = Pattern.compile("ERROR code=(\\S+) count=(\\d+) .*");
  private static final Pattern INSTANCE = Pattern.compile("INSTANCE name=(\\S+) count=(\\d+)");
  private static final int CALLS = 20;
  private static final List<String> FLAGS = List.of("--delay=300ms", "--fail-first-attempt=Echo");

  @TempDir static Path dir;

  private static List<ForkedApp> providers;
  private static Path serviceConfig;
  private static String firstProviderAddress;

  @BeforeAll
  static void start() throws IOException {
    providers =
        List.of(
            Providers.start(POLARIS, SERVICE, "c1", FLAGS),
            Providers.start(POLARIS, SERVICE, "c2", FLAGS));
    Providers.awaitHealthy(POLARIS, SERVICE, 2);
    firstProviderAddress =
        "127.0.0.1:" + providers.get(0).awaitLine("LISTENING name=c1 port=(\\d+)", RUN).group(1);
    serviceConfig = dir.resolve("service-config.json");
    Files.write(
        serviceConfig,
        ("{\n"
                + "  \"loadBalancingConfig\": [{\"pick_first\": {}}],\n"
                + "  \"methodConfig\": [\n"
                + "    {\"name\": [{\"service\": \"echo.Echo\", \"method\": \"Other\"}], \"timeout\": \"0.1s\"},\n"
                + "    {\"name\": [{\"service\": \"echo.Echo\", \"method\": \"Echo\"}],\n"
                + "     \"retryPolicy\": {\"maxAttempts\": 3, \"initialBackoff\": \"0.01s\", \"maxBackoff\": \"0.05s\",\n"
                + "                     \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}}\n"
                + "  ]\n"
                + "}\n")
            .getBytes(StandardCharsets.UTF_8));
  }

  @AfterAll
  static void stop() {
    providers.forEach(ForkedApp::close);
  }

  @Test
  void retryPolicyRetriesWithAndWithoutTheAgent() {
    Outcome plain = run(false, "Echo", true);
    assertEquals(Map.of(), plain.errors, "without the agent: " + plain);
    assertEquals(CALLS, plain.ok, plain.toString());

    Outcome mapped = run(true, "Echo", true);
    assertEquals(Map.of(), mapped.errors, "with the agent on a mapped target: " + mapped);
    assertEquals(CALLS, mapped.ok, mapped.toString());

    // Without the config the same calls fail: the retries above are the app's policy at work.
    Outcome unconfigured = run(true, "Echo", false);
    assertTrue(unconfigured.errors.getOrDefault("UNAVAILABLE", 0) > 0, unconfigured.toString());
  }

  @Test
  void methodTimeoutTimesCallsOutWithAndWithoutTheAgent() {
    Outcome plain = run(false, "Other", true);
    assertEquals(0, plain.ok, "without the agent: " + plain);
    assertEquals(Map.of("DEADLINE_EXCEEDED", CALLS), plain.errors, "without the agent: " + plain);

    Outcome mapped = run(true, "Other", true);
    assertEquals(0, mapped.ok, "with the agent on a mapped target: " + mapped);
    assertEquals(
        Map.of("DEADLINE_EXCEEDED", CALLS),
        mapped.errors,
        "with the agent on a mapped target: " + mapped);

    Outcome unconfigured = run(true, "Other", false);
    assertEquals(
        0, unconfigured.errors.getOrDefault("DEADLINE_EXCEEDED", 0), unconfigured.toString());
  }

  @Test
  void theAgentsBalancerReplacesTheAppsLoadBalancingConfig() {
    // The app's config names pick_first, which would send every call to one instance; the agent's
    // round_robin spreads them over both.
    Outcome mapped = run(true, "Echo", true, "polaris.loadbalancer", "round_robin");
    assertEquals(CALLS, mapped.ok, mapped.toString());
    assertEquals(2, mapped.instances.size(), mapped.toString());
    mapped.instances.values().forEach(count -> assertTrue(count >= CALLS / 4, mapped.toString()));
    assertTrue(mapped.stderr.contains("replaced by the Polaris balancer"), mapped.stderr);
  }

  private static Outcome run(
      boolean agent, String method, boolean configured, String... properties) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--target=" + (agent ? MAPPED : firstProviderAddress),
                "--method=" + method,
                "--calls=" + CALLS,
                "--rate=20",
                "--deadline=10s",
                "--header=x-user=alice"));
    if (configured) {
      args.add("--service-config=" + serviceConfig);
    }
    ForkedApp.Builder builder =
        ForkedApp.main(EchoConsumer.class)
            .name(
                "consumer-"
                    + method
                    + (agent ? "-agent" : "-plain")
                    + (configured ? "-configured" : ""))
            .args(args.toArray(new String[0]));
    if (agent) {
      builder
          .withAgent()
          .property("polaris.address", POLARIS.grpcAddress())
          .property("polaris.service", "configured-consumer")
          .property("polaris.circuitbreaker.enabled", "false")
          .property("polaris.grpc.client.target-mapping", MAPPED + "=" + SERVICE);
      for (int i = 0; i + 1 < properties.length; i += 2) {
        builder.property(properties[i], properties[i + 1]);
      }
    }
    try (ForkedApp consumer = builder.start()) {
      Matcher result = consumer.awaitLine(RESULT.pattern(), RUN);
      assertTrue(consumer.waitFor(RUN), consumer.describe());
      Outcome outcome = new Outcome(Integer.parseInt(result.group(1)), consumer.stderr());
      for (String line : consumer.lines()) {
        Matcher error = ERROR.matcher(line);
        if (error.matches()) {
          outcome.errors.merge(error.group(1), Integer.parseInt(error.group(2)), Integer::sum);
        }
        Matcher instance = INSTANCE.matcher(line);
        if (instance.matches()) {
          outcome.instances.put(instance.group(1), Integer.parseInt(instance.group(2)));
        }
      }
      return outcome;
    }
  }

  /** What one consumer run saw. */
  private static final class Outcome {
    final int ok;
    final String stderr;
    final Map<String, Integer> errors = new TreeMap<>();
    final Map<String, Integer> instances = new TreeMap<>();

    Outcome(int ok, String stderr) {
      this.ok = ok;
      this.stderr = stderr;
    }

    @Override
    public String toString() {
      return "ok=" + ok + " errors=" + errors + " instances=" + instances;
    }
  }
}
