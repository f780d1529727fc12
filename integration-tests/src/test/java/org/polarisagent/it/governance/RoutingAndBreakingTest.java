package org.polarisagent.it.governance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.polarisagent.it.consumer.Consumers;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.it.harness.Scrape;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.Poll;
import org.polarisagent.testing.Rules;

/**
 * Rules an operator creates in Polaris change where unmodified apps send their calls, live: header
 * routing and instance circuit breaking.
 */
class RoutingAndBreakingTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration OBSERVE = Duration.ofMillis(250);
  private static final Duration RULE_TAKES_EFFECT = Duration.ofSeconds(20);

  @Test
  void headerRoutingRuleSteersTaggedCallsAndDeletingItRestoresTheSpread() throws Exception {
    try (ForkedApp v1a = provider("route", "v1a", "v1");
        ForkedApp v1b = provider("route", "v1b", "v1");
        ForkedApp v2 = provider("route", "v2", "v2")) {
      awaitHealthy("route", 3);
      // mixed: every second call carries the header, on one channel, so the calls the rule tells
      // apart share a balancer (the agent reuses a routing result only for calls the rule cannot
      // tell apart).
      try (ForkedApp gray = consumer("polaris://route", "--header=env=gray");
          ForkedApp plain = consumer("polaris://route");
          ForkedApp mixed = consumer("polaris://route", "--tagged-header=env=gray")) {
        ConsumerProgress.awaitReached(plain, Duration.ofSeconds(30), OBSERVE, "v1a", "v1b", "v2");
        ConsumerProgress.awaitReached(gray, Duration.ofSeconds(30), OBSERVE, "v1a", "v1b", "v2");
        // Calls at start-up may wait for the SDK longer than their deadline; from here on none may
        // fail.
        long grayFailedAtStart = ConsumerProgress.failedOnceSteady(gray);
        long plainFailedAtStart = ConsumerProgress.failedOnceSteady(plain);
        long mixedFailedAtStart = ConsumerProgress.failedOnceSteady(mixed);

        String rule = Rules.headerRouting(POLARIS.openApi(), "route", "env", "gray", "v2", "v1");
        // Once the rule is in force, a window of calls shows the split.
        ConsumerProgress.awaitWindow(
            gray,
            RULE_TAKES_EFFECT,
            w -> w.total() >= 20 && w.onlyOn("v2"),
            "gray calls only on v2");
        ConsumerProgress.awaitWindow(
            plain,
            RULE_TAKES_EFFECT,
            w -> w.total() >= 20 && w.onlyOn("v1a", "v1b"),
            "plain calls only on v1a and v1b");
        ConsumerProgress.awaitWindow(
            mixed,
            RULE_TAKES_EFFECT,
            w ->
                w.count("v2+tagged") >= 10
                    && w.count("v1a") + w.count("v1b") >= 10
                    && w.onlyOn("v2+tagged", "v1a", "v1b"),
            "on one channel, tagged calls only on v2 and the others only on v1a and v1b");

        Rules.deleteRouting(POLARIS.openApi(), rule);
        ConsumerProgress.awaitWindow(
            gray,
            RULE_TAKES_EFFECT,
            w -> w.count("v1a") > 0 && w.count("v2") > 0,
            "gray calls spread again after the rule is deleted");
        assertEquals(grayFailedAtStart, ConsumerProgress.of(gray).failed(), gray.describe());
        assertEquals(plainFailedAtStart, ConsumerProgress.of(plain).failed(), plain.describe());
        assertEquals(0, ConsumerProgress.of(mixed).failed() - mixedFailedAtStart, mixed.describe());
      }
    }
  }

  @Test
  void ringHashKeepsAKeyOnItsInstanceWhenARoutingRuleLeavesThatInstanceIn() throws Exception {
    // Two labels: whichever instance alice's key lands on, one of them names it and one other
    // instance.
    try (ForkedApp a = pairedProvider("hashed", "a", "v1", "pair-x");
        ForkedApp b = pairedProvider("hashed", "b", "v1", "pair-y");
        ForkedApp c = pairedProvider("hashed", "c", "v2", "pair-y")) {
      awaitHealthy("hashed", 3);
      ForkedApp consumer =
          POLARIS
              .agentApp(EchoConsumer.class, "consumer-ring-hash")
              .property("polaris.service", "governed-consumer")
              .property("polaris.loadbalancer", "ring_hash")
              .property("polaris.loadbalancer.hash-header", "x-user")
              .args(
                  "--target=polaris://hashed",
                  "--rate=40",
                  "--duration=150s",
                  "--deadline=3s",
                  "--header=x-user=alice")
              .start();
      try (consumer) {
        ConsumerProgress first =
            ConsumerProgress.awaitWindow(
                consumer,
                Duration.ofSeconds(30),
                w -> w.total() >= 40 && w.answering() == 1,
                "alice's calls on one instance");
        String home =
            Collections.max(first.perInstance().entrySet(), Map.Entry.comparingByValue()).getKey();
        // Calls without env=gray may go to two instances only, one of them alice's, so her key must
        // stay.
        boolean byVersion = !home.equals("c");
        Rules.headerRouting(
            POLARIS.openApi(),
            "hashed",
            "env",
            "gray",
            byVersion ? "version" : "pair",
            byVersion ? "v2" : "pair-x",
            byVersion ? "v1" : "pair-y");
        String[] allowed = byVersion ? new String[] {"a", "b"} : new String[] {"b", "c"};
        ConsumerProgress.awaitWindow(
            consumer,
            RULE_TAKES_EFFECT,
            w -> w.total() >= 40 && w.onlyOn(allowed),
            "alice's calls only on " + String.join(" and ", allowed));
        ConsumerProgress underRule =
            ConsumerProgress.awaitWindow(
                consumer, Duration.ofSeconds(10), w -> w.total() >= 40, "calls under the rule");
        System.out.println(
            "ring hash: alice on "
                + home
                + " before the rule, "
                + underRule.perInstance()
                + " under it");
        assertTrue(
            underRule.onlyOn(home),
            "alice moved from " + home + " although the rule keeps it: " + underRule);
      }
    }
  }

  @Test
  void brokenInstanceIsCutOffAndComesBackAfterTheSleepWindow(@TempDir Path dir) throws Exception {
    Path failFile = dir.resolve("fail");
    Rules.instanceBreaker(POLARIS.openApi(), "breaker", 3, 5);
    try (ForkedApp a = provider("breaker", "a", "v1");
        ForkedApp b = provider("breaker", "b", "v1");
        ForkedApp c = provider("breaker", "c", "v1", "--fail-file=" + failFile)) {
      awaitHealthy("breaker", 3);
      try (ForkedApp consumer = consumer("polaris://breaker")) {
        ConsumerProgress.awaitReached(consumer, Duration.ofSeconds(30), OBSERVE, "a", "b", "c");

        Files.writeString(failFile, "UNAVAILABLE");
        long failedBefore = ConsumerProgress.of(consumer).failed();
        // The breaker opens after 3 consecutive failures: then c gets nothing, so failures stop.
        ConsumerProgress.awaitBreakerOpen(consumer, Duration.ofSeconds(15));
        long failuresToOpen = ConsumerProgress.of(consumer).failed() - failedBefore;
        System.out.println("failed calls before the breaker opened: " + failuresToOpen);
        assertTrue(failuresToOpen <= 10, "the breaker let too many calls fail: " + failuresToOpen);

        Files.delete(failFile);
        ConsumerProgress.awaitWindow(
            consumer,
            Duration.ofSeconds(30),
            w -> w.count("c") > 0,
            "c serving again after the sleep window");
      }
    }
  }

  @Test
  void withoutAnyRuleTheSdksDefaultBreakerCutsOffAFailingInstance(@TempDir Path dir)
      throws Exception {
    // The SDK gives a service without any circuit-breaker rule a default instance rule: ten
    // consecutive failures, or half of the calls of a minute, open an instance's breaker. Its error
    // condition lists the codes 500 to 599; the agent's failures must count under it all the same.
    Path failFile = dir.resolve("fail");
    try (ForkedApp a = provider("unruled", "a", "v1");
        ForkedApp b = provider("unruled", "b", "v1");
        ForkedApp c = provider("unruled", "c", "v1", "--fail-file=" + failFile)) {
      awaitHealthy("unruled", 3);
      try (ForkedApp consumer = consumer("polaris://unruled")) {
        ConsumerProgress.awaitReached(consumer, Duration.ofSeconds(30), OBSERVE, "a", "b", "c");
        // Calls at start-up may wait for the SDK longer than their deadline: count from a steady
        // consumer.
        long failedBefore = ConsumerProgress.failedOnceSteady(consumer);
        Files.writeString(failFile, "UNAVAILABLE");
        ConsumerProgress.awaitBreakerOpen(consumer, Duration.ofSeconds(20));
        long failuresToOpen = ConsumerProgress.of(consumer).failed() - failedBefore;
        System.out.println("failed calls before the default breaker opened: " + failuresToOpen);
        assertTrue(failuresToOpen <= 30, "the breaker let too many calls fail: " + failuresToOpen);
      }
    }
  }

  @Test
  void openMethodBreakerRejectsThatMethodAtOnceAndLeavesOthersAlone(@TempDir Path dir)
      throws Exception {
    Path failFile = dir.resolve("fail");
    Rules.methodBreaker(POLARIS.openApi(), "methods", "/echo.Echo/Other", 3, 30);
    try (ForkedApp a = provider("methods", "a", "v1", "--fail-file=" + failFile);
        ForkedApp b = provider("methods", "b", "v1", "--fail-file=" + failFile)) {
      awaitHealthy("methods", 2);
      try (ForkedApp other = meteredConsumer("polaris://methods", "--method=Other");
          ForkedApp echo = consumer("polaris://methods", "--method=Echo")) {
        ConsumerProgress.until(
            echo, Duration.ofSeconds(30), OBSERVE, p -> p.ok() >= 40, "Echo calls");
        ConsumerProgress.until(
            other, Duration.ofSeconds(30), OBSERVE, p -> p.ok() >= 80, "Other calls");
        long echoFailed = ConsumerProgress.failedOnceSteady(echo);
        Files.writeString(failFile, "INTERNAL Other");
        ConsumerProgress.until(
            other, Duration.ofSeconds(30), OBSERVE, p -> p.failed() >= 40, "Other calls failing");
        ConsumerProgress.awaitWindow(
            other, Duration.ofSeconds(10), w -> w.failed() >= 40, "Other still failing");
        ConsumerProgress.awaitWindow(
            echo, Duration.ofSeconds(10), w -> w.ok() >= 40 && w.failed() == 0, "Echo unaffected");
        assertEquals(echoFailed, ConsumerProgress.of(echo).failed(), echo.describe());
        Poll.until(
            RULE_TAKES_EFFECT,
            OBSERVE,
            () -> Scrape.of(metricsPort(other)),
            s ->
                s.value(
                        "polaris_agent_circuit_breaker_changes_total{dest_namespace=\"default\","
                            + "dest_service=\"methods\",dest_instance=\"\","
                            + "method=\"/echo.Echo/Other\",state=\"open\"}")
                    >= 1,
            "the method's breaker shown open");
        other.sigterm();
        assertTrue(other.waitFor(Duration.ofSeconds(30)), other.describe());
        String summary = String.join("\n", other.lines());
        assertTrue(summary.contains("circuit breaker open for method /echo.Echo/Other"), summary);
        long reachedProviders =
            other.lines().stream()
                .filter(line -> line.startsWith("ERROR code=INTERNAL "))
                .mapToLong(line -> Long.parseLong(line.replaceAll(".* count=(\\d+) .*", "$1")))
                .sum();
        System.out.println(
            "Other calls that reached a provider before its breaker opened: " + reachedProviders);
        assertTrue(
            reachedProviders <= 10,
            "the open breaker still let calls through: " + reachedProviders);
      }
    }
  }

  @Test
  void openServiceBreakerFailsEveryCallAtOnceEvenWaitForReadyAndAProbeClosesIt(@TempDir Path dir)
      throws Exception {
    Path failFile = dir.resolve("fail");
    // A sleep window longer than the measurement: half-open lets every call through.
    Rules.serviceBreaker(POLARIS.openApi(), "whole", 5, 10);
    try (ForkedApp a = provider("whole", "a", "v1", "--fail-file=" + failFile);
        ForkedApp b = provider("whole", "b", "v1", "--fail-file=" + failFile)) {
      int portA = port(a);
      int portB = port(b);
      awaitHealthy("whole", 2);
      try (ForkedApp consumer =
          meteredConsumer("polaris://whole", "--method=Echo", "--wait-for-ready=true")) {
        int metrics = metricsPort(consumer);
        ConsumerProgress.until(
            consumer, Duration.ofSeconds(30), OBSERVE, p -> p.ok() >= 40, "calls served");
        Files.writeString(failFile, "INTERNAL");
        Scrape opened =
            Poll.until(
                RULE_TAKES_EFFECT,
                OBSERVE,
                () -> Scrape.of(metrics),
                s -> s.value(serviceBreaker("whole", "open")) >= 1,
                "the service's breaker shown open");
        // While open, calls fail at once in the consumer: providers get none but the probes.
        Scrape later =
            Poll.until(
                RULE_TAKES_EFFECT,
                OBSERVE,
                () -> Scrape.of(metrics),
                s -> rejected(s, "whole") >= rejected(opened, "whole") + 100,
                "100 more calls rejected before reaching an instance");
        double reached =
            failedOn(later, "whole", portA, portB) - failedOn(opened, "whole", portA, portB);
        System.out.println(
            "[breaker] calls that reached a provider while 100 were rejected: " + reached);
        assertTrue(reached <= 10, "the open breaker let calls through: " + reached);

        Files.delete(failFile);
        Poll.until(
            RULE_TAKES_EFFECT,
            OBSERVE,
            () -> Scrape.of(metrics),
            s -> s.value(serviceBreaker("whole", "closed")) >= 1,
            "the service's breaker shown closed after a successful probe");
        ConsumerProgress.awaitWindow(
            consumer,
            Duration.ofSeconds(5),
            w -> w.ok() >= 40 && w.failed() == 0,
            "calls served again");
        consumer.sigterm();
        assertTrue(consumer.waitFor(Duration.ofSeconds(30)), consumer.describe());
        String summary = String.join("\n", consumer.lines());
        assertTrue(
            summary.contains(
                "circuit breaker open for service whole in namespace default"
                    + " (rule whole-service-breaker)"),
            summary);
        // Wait-for-ready calls were failed, not held until their deadline.
        assertTrue(!summary.contains("code=DEADLINE_EXCEEDED"), summary);
      }
    }
  }

  private static String serviceBreaker(String service, String state) {
    return "polaris_agent_circuit_breaker_changes_total{dest_namespace=\"default\",dest_service=\""
        + service
        + "\",dest_instance=\"\",method=\"\",state=\""
        + state
        + "\"}";
  }

  /** Calls of the consumer that failed with UNAVAILABLE before reaching an instance. */
  private static double rejected(Scrape scrape, String service) {
    return scrape.value(
        "polaris_agent_calls_total{dest_namespace=\"default\",dest_service=\""
            + service
            + "\",dest_instance=\"\",method=\"/echo.Echo/Echo\",code=\"UNAVAILABLE\"}");
  }

  /** Calls of the consumer that reached one of the providers and failed there. */
  private static double failedOn(Scrape scrape, String service, int... ports) {
    double sum = 0;
    for (int port : ports) {
      sum +=
          Math.max(
              0,
              scrape.value(
                  "polaris_agent_calls_total{dest_namespace=\"default\",dest_service=\""
                      + service
                      + "\",dest_instance=\"127.0.0.1:"
                      + port
                      + "\",method=\"/echo.Echo/Echo\",code=\"INTERNAL\"}"));
    }
    return sum;
  }

  private static int port(ForkedApp provider) {
    return Integer.parseInt(
        provider.awaitLine("READY port=(\\d+) .*", Duration.ofSeconds(60)).group(1));
  }

  private static int metricsPort(ForkedApp app) {
    return Integer.parseInt(
        app.awaitStderrLine(
                ".*\\[polaris-agent\\] INFO metrics at http://127\\.0\\.0\\.1:(\\d+)/metrics",
                Duration.ofSeconds(60))
            .group(1));
  }

  private static ForkedApp pairedProvider(
      String service, String name, String version, String pair) {
    return started(
        agentProvider(service, name, version)
            .property("polaris.metadata.pair", pair)
            .args("--name=" + name));
  }

  private static ForkedApp provider(String service, String name, String version, String... args) {
    return started(agentProvider(service, name, version).args("--name=" + name).args(args));
  }

  /** A provider of {@code service} with the agent and metadata {@code version}. */
  private static ForkedApp.Builder agentProvider(String service, String name, String version) {
    return POLARIS
        .agentApp(EchoProvider.class, name)
        .property("polaris.service", service)
        .property("polaris.metadata.version", version);
  }

  /** Starts the provider; returns once it is READY. */
  private static ForkedApp started(ForkedApp.Builder provider) {
    ForkedApp started = provider.start();
    started.awaitLine("READY .*", Duration.ofSeconds(60));
    return started;
  }

  private static ForkedApp consumer(String target, String... args) {
    String name =
        args.length == 0
            ? "consumer"
            : args[0].startsWith("--tagged-header") ? "consumer-mixed" : "consumer-tagged";
    return consumerBuilder(name, target, args).start();
  }

  /** A consumer as {@link #consumer}, with metrics on a free port. */
  private static ForkedApp meteredConsumer(String target, String... args) {
    return consumerBuilder("consumer-metered", target, args)
        .property("polaris.metrics.port", "0")
        .start();
  }

  /** A consumer calling {@code target} 40 times a second for 150 s, round robin, 3 s deadline. */
  private static ForkedApp.Builder consumerBuilder(String name, String target, String... args) {
    return Consumers.steadyBuilder(POLARIS, name, target, 40, "150s", args)
        .property("polaris.service", "governed-consumer");
  }

  private static void awaitHealthy(String service, int count) {
    Poll.until(
        Duration.ofSeconds(60),
        OBSERVE,
        () -> POLARIS.openApi().listInstances(service, "default"),
        list -> list.stream().filter(i -> i.healthy()).count() == count,
        count + " healthy " + service);
  }
}
