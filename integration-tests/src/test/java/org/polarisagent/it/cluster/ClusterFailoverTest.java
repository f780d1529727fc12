package org.polarisagent.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.polarisagent.it.consumer.Consumers;
import org.polarisagent.it.consumer.Providers;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisClusterExtension;
import org.polarisagent.testing.PolarisCluster;
import org.polarisagent.testing.PolarisOpenApi;
import org.polarisagent.testing.Poll;
import org.polarisagent.testing.Rules;

/**
 * A Polaris cluster of two nodes loses one node, then the other, while three providers and a
 * consumer configured with both nodes work at a steady rate: no call fails, the providers stay
 * healthy in Polaris, a provider started during the outage is registered and served, a routing rule
 * changed during the outage takes effect, and a provider stopped during the outage goes without a
 * failed call.
 */
class ClusterFailoverTest {

  @RegisterExtension static final PolarisClusterExtension CLUSTER = new PolarisClusterExtension();

  private static final Duration OBSERVE = Duration.ofMillis(250);

  /**
   * The other node takes over the heartbeat checks within 12 s (its leader lease is 10 s, checked
   * every 2 s) and then skips checks for three TTLs (5 s each); past that, an instance whose beats
   * were lost shows unhealthy.
   */
  private static final Duration OUTAGE_HOLD = Duration.ofSeconds(32);

  private static final Duration SWITCH = Duration.ofSeconds(30);

  /** What the SDK logs once a discovery stream runs on a (new) connection. */
  private static final String NEW_DISCOVERY_STREAM = "success to create stream client";

  /** What the agent logs (at debug level, set on the providers) after an accepted heartbeat. */
  private static final String HEARTBEAT_ACCEPTED = "heartbeat accepted for ";

  /** What it logs at info level after the first accepted heartbeat that follows refused ones. */
  private static final String HEARTBEATS_ACCEPTED_AGAIN = "accepts the heartbeats of ";

  private static final DateTimeFormatter SDK_LOG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

  @Test
  void callsAndRegistrationsSurviveTheDeathOfEitherNode() throws Exception {
    PolarisCluster cluster = CLUSTER.cluster();
    List<ForkedApp> apps = new ArrayList<>();
    try {
      for (String name : List.of("p1", "p2", "p3")) {
        apps.add(provider(name, "a"));
      }
      Providers.awaitHealthy(CLUSTER, "echo", 3);
      ForkedApp consumer =
          Consumers.steadyBuilder(CLUSTER, "consumer", "polaris://echo", 50, "300s").start();
      apps.add(consumer);
      ConsumerProgress.awaitReached(consumer, Duration.ofSeconds(30), OBSERVE, "p1", "p2", "p3");
      long failedAtStart = ConsumerProgress.failedOnceSteady(consumer);

      // Round 1: the node the consumer talks to dies.
      int first = discoveryNode(consumer);
      int second = 3 - first;
      outage(cluster, first, apps, consumer, failedAtStart);
      stopGracefully(apps.get(0), consumer, failedAtStart, 2);
      addServedProvider("p4", apps, consumer);
      String rule =
          Rules.headerRouting(CLUSTER.openApi(), "echo", "env", "gray", "version", "x", "b");
      long ruleCreated = System.nanoTime();
      ConsumerProgress.awaitWindow(
          consumer, SWITCH, w -> w.total() >= 20 && w.onlyOn("p4"), "calls only on p4 (rule)");
      printSince(ruleCreated, "routing rule created during the outage in force after");

      // Round 2: the first node is back, the other one dies.
      cluster.startNode(first);
      outage(cluster, second, apps, consumer, failedAtStart);
      stopGracefully(apps.get(1), consumer, failedAtStart, 2);
      addServedProvider("p5", apps, consumer);
      Rules.deleteRouting(CLUSTER.openApi(), rule);
      long ruleDeleted = System.nanoTime();
      ConsumerProgress.awaitWindow(
          consumer, SWITCH, w -> w.count("p3") > 0, "calls on p3 again (rule deleted)");
      printSince(ruleDeleted, "routing rule deleted during the outage out of force after");

      assertEquals(failedAtStart, ConsumerProgress.of(consumer).failed(), consumer.describe());
    } finally {
      for (ForkedApp app : apps) {
        app.close();
      }
      restartStoppedNodes(cluster);
    }
  }

  /**
   * A consumer that starts while the first node of its address list is down still gets what it
   * needs from the other node: its instances and its circuit-breaker rules.
   */
  @Test
  void aConsumerStartedWhileTheFirstNodeIsDownGetsItsBreakerRules(@TempDir Path dir)
      throws Exception {
    PolarisCluster cluster = CLUSTER.cluster();
    Path failFile = dir.resolve("fail");
    Rules.instanceBreaker(CLUSTER.openApi(), "brk", 3, 5);
    try (ForkedApp a = breakerProvider("a", List.of());
        ForkedApp b = breakerProvider("b", List.of());
        ForkedApp c = breakerProvider("c", List.of("--fail-file=" + failFile))) {
      Providers.awaitHealthy(CLUSTER, "brk", 3);
      cluster.killNode(1);
      try (ForkedApp consumer =
          Consumers.steadyBuilder(CLUSTER, "late-consumer", "polaris://brk", 50, "120s").start()) {
        ConsumerProgress.until(
            consumer,
            SWITCH,
            OBSERVE,
            p -> p.count("a") > 0 && p.count("b") > 0 && p.count("c") > 0,
            "calls on a, b and c from a consumer started while node 1 is down");
        Files.writeString(failFile, "UNAVAILABLE");
        // With the rule, c's breaker opens after 3 consecutive failures and failures stop;
        // without it, a third of the calls keep failing.
        ConsumerProgress.awaitBreakerOpen(consumer, Duration.ofSeconds(20));
      }
    } finally {
      restartStoppedNodes(cluster);
    }
  }

  /** Leaves both nodes running for the next test, whatever this one did. */
  private static void restartStoppedNodes(PolarisCluster cluster) {
    for (int n : PolarisCluster.NODES) {
      if (!cluster.isRunning(n)) {
        cluster.startNode(n);
      }
    }
  }

  private static ForkedApp breakerProvider(String name, List<String> flags) {
    return Providers.started(Providers.builder(CLUSTER, "brk", name, flags));
  }

  /**
   * Kills {@code node} and holds past three TTLs after the other node has taken over the heartbeat
   * checks: no failed call, every provider still running stays healthy and has had a heartbeat
   * accepted, and the consumer runs its discovery stream on the other node. Prints how long those
   * took after the kill, from the apps' SDK logs.
   */
  private static void outage(
      PolarisCluster cluster, int node, List<ForkedApp> apps, ForkedApp consumer, long failed) {
    cluster.killNode(node);
    // The script returns once the node's process is gone: times count from there.
    LocalDateTime killedAt = LocalDateTime.now();
    long killedAtNanos = System.nanoTime();
    ConsumerProgress.holds(
        consumer,
        OUTAGE_HOLD,
        OBSERVE,
        p -> p.failed() == failed,
        "no failed call while node " + node + " is down");
    Map<String, Long> firstSuccess = new LinkedHashMap<>();
    int providers = 0;
    for (ForkedApp app : apps) {
      if (app.isAlive()) {
        boolean isConsumer = app == consumer;
        providers += isConsumer ? 0 : 1;
        long millis =
            isConsumer
                ? millisToSdkLine(app, killedAt, NEW_DISCOVERY_STREAM)
                : firstAcceptedHeartbeat(app, killedAtNanos);
        firstSuccess.put(app.name(), millis);
        assertTrue(
            millis >= 0,
            app.name()
                + (isConsumer ? " runs no discovery stream" : " had no heartbeat accepted")
                + " since node "
                + node
                + " died\n"
                + app.describe());
      }
    }
    long healthy = healthy(CLUSTER.openApi());
    System.out.println(
        "node "
            + node
            + " killed; ms to the consumer's discovery stream on the other node and to each"
            + " provider's first accepted heartbeat: "
            + firstSuccess
            + "; healthy echo instances after "
            + OUTAGE_HOLD.toSeconds()
            + " s: "
            + healthy);
    assertEquals(providers, healthy, "providers healthy while node " + node + " is down");
  }

  /**
   * Stops a provider with SIGTERM, as a deployment does: it deregisters and drains; no call fails
   * and Polaris lists {@code remaining} instances once it is gone.
   */
  private static void stopGracefully(
      ForkedApp provider, ForkedApp consumer, long failed, int remaining) {
    provider.sigterm();
    assertTrue(provider.waitFor(Duration.ofSeconds(30)), provider.describe());
    Poll.until(
        SWITCH,
        OBSERVE,
        () -> CLUSTER.openApi().listInstances("echo", "default").size(),
        n -> n == remaining,
        remaining + " instances listed after " + provider + " stopped");
    assertEquals(failed, ConsumerProgress.of(consumer).failed(), consumer.describe());
  }

  /**
   * Milliseconds from {@code sinceNanos} to the provider's first accepted heartbeat; -1 if none.
   */
  private static long firstAcceptedHeartbeat(ForkedApp provider, long sinceNanos) {
    long accepted = provider.nanosToStderrLine(sinceNanos, HEARTBEAT_ACCEPTED);
    long again = provider.nanosToStderrLine(sinceNanos, HEARTBEATS_ACCEPTED_AGAIN);
    long first = accepted < 0 ? again : again < 0 ? accepted : Math.min(accepted, again);
    return first < 0 ? -1 : first / 1_000_000;
  }

  /**
   * Milliseconds from {@code since} to the first line of the app's SDK log ({@code
   * polaris-sdk.log}, local time to the millisecond) that contains {@code text}; -1 if none.
   */
  private static long millisToSdkLine(ForkedApp app, LocalDateTime since, String text) {
    Path log = app.directory().resolve("polaris-sdk.log");
    try {
      for (String line : Files.readAllLines(log)) {
        if (line.length() < 23 || !line.contains(text)) {
          continue;
        }
        LocalDateTime at = LocalDateTime.parse(line.substring(0, 23), SDK_LOG_TIME);
        if (!at.isBefore(since)) {
          return Duration.between(since, at).toMillis();
        }
      }
      return -1;
    } catch (IOException | RuntimeException e) {
      throw new AssertionError("cannot read " + log, e);
    }
  }

  /**
   * Prints the time since {@code startNanos}: the end of the first 2 s window of calls that shows
   * the change.
   */
  private static void printSince(long startNanos, String what) {
    System.out.println(what + " " + (System.nanoTime() - startNanos) / 1_000_000 + " ms");
  }

  /** Starts provider {@code name} (version b) and waits until the consumer's calls reach it. */
  private static void addServedProvider(String name, List<ForkedApp> apps, ForkedApp consumer) {
    apps.add(provider(name, "b"));
    ConsumerProgress.until(
        consumer, SWITCH, OBSERVE, p -> p.count(name) > 0, "traffic on " + name + ", started now");
  }

  private static ForkedApp provider(String name, String version) {
    return Providers.started(
        Providers.builder(CLUSTER, "echo", name, List.of())
            .property("polaris.metadata.version", version)
            .property("polaris.log.level", "debug"));
  }

  /**
   * The node the consumer's discovery connection went to, from its SDK log (the SDK chooses among
   * the nodes by probing them, so either may be first).
   */
  private static int discoveryNode(ForkedApp consumer) throws IOException {
    String node = null;
    for (String line : Files.readAllLines(consumer.directory().resolve("polaris-sdk.log"))) {
      int at = line.indexOf("clusterType=SERVICE_DISCOVER_CLUSTER, host='127.0.0.");
      if (at >= 0 && line.endsWith(" created")) {
        node = line.substring(at + "clusterType=SERVICE_DISCOVER_CLUSTER, host='127.0.0.".length());
      }
    }
    if (node == null) {
      throw new AssertionError("no discovery connection in the SDK log of " + consumer);
    }
    return Integer.parseInt(node.substring(0, node.indexOf('\'')));
  }

  private static long healthy(PolarisOpenApi api) {
    return api.listInstances("echo", "default").stream()
        .filter(PolarisOpenApi.Instance::healthy)
        .count();
  }
}
