package org.polarisagent.it.springboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.testing.PolarisOpenApi.Instance;
import org.polarisagent.testing.Poll;

/**
 * Spring Boot apps built with the net.devh grpc-server and grpc-client starters, packaged as
 * executable fat jars and started with {@code java -javaagent:... -jar}: the gRPC classes sit in
 * the jar's nested class loader, the channel comes from the starter's channel factory and the
 * server from its server factory. The providers register with their real ports, a consumer
 * configured the Spring way reaches both through Polaris, and a SIGTERM'd provider leaves Polaris
 * before it stops serving.
 */
class SpringBootAppsTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final String SERVICE = "echo-boot";
  private static final Duration RUN = Duration.ofSeconds(90);

  private static ForkedApp p1;
  private static ForkedApp p2;
  private static int p1Port;
  private static int p2Port;

  @BeforeAll
  static void startProviders() {
    p1 = BootApps.provider(POLARIS, SERVICE, "p1").start();
    p2 = BootApps.provider(POLARIS, SERVICE, "p2").start();
    p1Port = BootApps.awaitReady(p1);
    p2Port = BootApps.awaitReady(p2);
  }

  @AfterAll
  static void stopProviders() {
    try (ForkedApp first = p1;
        ForkedApp second = p2) {
      // Closes both.
    }
  }

  @Test
  void providersRegisterWithTheirRealPortsAndAPolarisTargetReachesBoth() {
    List<Instance> instances = awaitHealthy(SERVICE, 2);
    assertEquals(
        Set.of(p1Port, p2Port),
        instances.stream().map(Instance::port).collect(Collectors.toSet()),
        instances.toString());
    instances.forEach(instance -> assertEquals("127.0.0.1", instance.host(), instance.toString()));

    Map<String, Integer> calls = runConsumer("consumer-polaris", "polaris://" + SERVICE, SERVICE);
    assertEquals(Set.of("p1", "p2"), calls.keySet(), calls.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"static://127.0.0.1:", "dns:///127.0.0.1:"})
  void aPlainTargetMappedToTheServiceReachesBothWithTheTargetsAuthority(String targetBeforePort) {
    awaitHealthy(SERVICE, 2);
    // The app points at p1 alone; the mapping sends its calls to every instance of the service.
    // The channel announces the authority it has without the agent.
    String target = targetBeforePort + p1Port;
    Map<String, Integer> calls =
        runConsumer(
            "consumer-" + targetBeforePort.substring(0, targetBeforePort.indexOf(':')),
            target,
            "127.0.0.1:" + p1Port,
            "polaris.grpc.client.target-mapping",
            target + "=" + SERVICE);
    assertEquals(Set.of("p1", "p2"), calls.keySet(), calls.toString());
  }

  @Test
  void aSigtermedProviderLeavesPolarisBeforeItStopsServingAndNoCallIsLost() {
    String service = "echo-boot-stop";
    try (ForkedApp s1 = BootApps.provider(POLARIS, service, "s1").start();
        ForkedApp s2 = BootApps.provider(POLARIS, service, "s2").start()) {
      BootApps.awaitReady(s1);
      int s2Port = BootApps.awaitReady(s2);
      awaitHealthy(service, 2);
      try (ForkedApp consumer =
          BootApps.consumer(POLARIS, "consumer-stop", "polaris://" + service)
              .args("--echo.rate=20", "--echo.duration=120s", "--echo.deadline=2s")
              .start()) {
        consumer.awaitLine("PROGRESS .*", BootApps.START);
        // Calls of the cold start may miss their 2 s deadline; none may fail from here on.
        ConsumerProgress steady =
            ConsumerProgress.awaitSteady(consumer, Duration.ofSeconds(2), RUN);
        ConsumerProgress.until(
            consumer,
            Duration.ofSeconds(30),
            Duration.ofMillis(200),
            p -> p.count("s1") > 0 && p.count("s2") > 0,
            "calls on s1 and s2");

        long signalled = System.nanoTime();
        s2.sigterm();
        Poll.until(
            Duration.ofSeconds(30),
            Duration.ofMillis(50),
            () -> POLARIS.openApi().listInstances(service, "default"),
            list -> list.stream().noneMatch(instance -> instance.port() == s2Port),
            "s2 gone from Polaris");
        long goneMillis = Duration.ofNanos(System.nanoTime() - signalled).toMillis();
        assertTrue(s2.waitFor(Duration.ofSeconds(30)), s2.describe());
        System.out.println(
            "[spring-boot] SIGTERM -> gone from Polaris: <= "
                + goneMillis
                + " ms; process exited at "
                + Duration.ofNanos(System.nanoTime() - signalled).toMillis()
                + " ms");
        // Spring began to stop the server (STOPPING), which still answered calls (the drain)
        // before Spring saw it terminated (STOPPED).
        long servedAtStopping = served(s2, "STOPPING");
        long servedAtStopped = served(s2, "STOPPED");
        assertTrue(
            servedAtStopped > servedAtStopping,
            "s2 answered no call after Spring began to stop it; " + s2.describe());
        assertEquals(
            1,
            s2.stderrLines().stream()
                .filter(line -> line.contains("INFO deregistered gRPC server on port " + s2Port))
                .count(),
            s2.stderr());

        ConsumerProgress.awaitWindow(
            consumer,
            Duration.ofSeconds(30),
            w -> w.ok() > 0 && w.onlyOn("s1"),
            "calls only on s1");
        consumer.sigterm();
        Matcher result = BootApps.awaitResult(consumer, RUN);
        assertEquals(
            steady.failed(),
            Long.parseLong(result.group(2)),
            "failed calls after the start; " + consumer.describe());
        assertEquals("0", result.group(4), "unfinished calls; " + consumer.describe());
      }
    }
  }

  /**
   * Runs a consumer of {@code address} until a second of its calls went to both providers, then
   * stops it (SIGTERM); asserts that its channel announced {@code authority} and that no call
   * failed; returns the calls per provider.
   */
  private static Map<String, Integer> runConsumer(
      String name, String address, String authority, String... properties) {
    ForkedApp.Builder builder =
        BootApps.consumer(POLARIS, name, address)
            .property("polaris.loadbalancer", "round_robin")
            // The first calls may wait for the SDK and the first discovery.
            .args("--echo.rate=20", "--echo.duration=120s", "--echo.deadline=10s");
    for (int i = 0; i + 1 < properties.length; i += 2) {
      builder.property(properties[i], properties[i + 1]);
    }
    try (ForkedApp consumer = builder.start()) {
      consumer.awaitLine("PROGRESS .*", BootApps.START);
      ConsumerProgress.awaitWindow(
          consumer,
          RUN,
          w -> w.count("p1") > 0 && w.count("p2") > 0,
          "a second of calls answered by p1 and p2");
      consumer.sigterm();
      Matcher result = BootApps.awaitResult(consumer, RUN);
      assertEquals(
          "0 0",
          result.group(2) + " " + result.group(4),
          "failed, unfinished; " + consumer.describe());
      assertTrue(consumer.waitFor(RUN), consumer.describe());
      assertTrue(consumer.lines().contains("CHANNEL authority=" + authority), consumer.describe());
      return ConsumerProgress.callsPerInstance(consumer);
    }
  }

  /** The calls the provider had answered at its line {@code <event> served=<calls>}. */
  private static long served(ForkedApp provider, String event) {
    Matcher line = provider.awaitLine(Pattern.compile(event + " served=(\\d+)"), Duration.ZERO, 0);
    return Long.parseLong(line.group(1));
  }

  /** Waits until Polaris lists exactly {@code count} healthy instances of the service. */
  private static List<Instance> awaitHealthy(String service, int count) {
    return Poll.until(
        BootApps.START,
        Duration.ofMillis(200),
        () -> POLARIS.openApi().listInstances(service, "default"),
        list -> list.size() == count && list.stream().allMatch(Instance::healthy),
        count + " healthy instances of " + service);
  }
}
