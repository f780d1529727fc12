package org.polarisagent.it.governance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.it.harness.Poll;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;

/**
 * Rules an operator creates in Polaris change where unmodified apps send their calls, live: header routing
 * and instance circuit breaking.
 */
class RoutingAndBreakingTest {

  @RegisterExtension
  static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration OBSERVE = Duration.ofMillis(250);
  private static final Duration RULE_TAKES_EFFECT = Duration.ofSeconds(20);

  @Test
  void headerRoutingRuleSteersTaggedCallsAndDeletingItRestoresTheSpread() throws Exception {
    try (ForkedApp v1a = provider("route", "v1a", "v1");
        ForkedApp v1b = provider("route", "v1b", "v1");
        ForkedApp v2 = provider("route", "v2", "v2")) {
      awaitHealthy("route", 3);
      try (ForkedApp gray = consumer("polaris://route", "--header=env=gray");
          ForkedApp plain = consumer("polaris://route")) {
        Poll.until(Duration.ofSeconds(30), OBSERVE, () -> Progress.of(plain),
            p -> p.count("v1a") > 0 && p.count("v1b") > 0 && p.count("v2") > 0, "plain calls on all three");
        Poll.until(Duration.ofSeconds(30), OBSERVE, () -> Progress.of(gray),
            p -> p.count("v1a") > 0 && p.count("v1b") > 0 && p.count("v2") > 0, "gray calls on all three");
        // Calls at start-up may wait for the SDK longer than their deadline; from here on none may fail.
        long grayFailedAtStart = Progress.of(gray).failed();
        long plainFailedAtStart = Progress.of(plain).failed();

        String rule = Rules.headerRouting(POLARIS.openApi(), "route", "env", "gray", "v2", "v1");
        // Once the rule is in force, a window of calls shows the split.
        Progress.awaitWindow(gray, RULE_TAKES_EFFECT, w -> w.total() >= 20 && w.onlyOn("v2"),
            "gray calls only on v2");
        Progress.awaitWindow(plain, RULE_TAKES_EFFECT, w -> w.total() >= 20 && w.onlyOn("v1a", "v1b"),
            "plain calls only on v1a and v1b");

        Rules.deleteRouting(POLARIS.openApi(), rule);
        Progress.awaitWindow(gray, RULE_TAKES_EFFECT, w -> w.count("v1a") > 0 && w.count("v2") > 0,
            "gray calls spread again after the rule is deleted");
        assertEquals(grayFailedAtStart, Progress.of(gray).failed(), gray.describe());
        assertEquals(plainFailedAtStart, Progress.of(plain).failed(), plain.describe());
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
        Poll.until(Duration.ofSeconds(30), OBSERVE, () -> Progress.of(consumer),
            p -> p.count("a") > 0 && p.count("b") > 0 && p.count("c") > 0, "calls on all three");

        Files.writeString(failFile, "UNAVAILABLE");
        long failedBefore = Progress.of(consumer).failed();
        // The breaker opens after 3 consecutive failures: then c gets nothing, so failures stop.
        Progress.awaitWindow(consumer, Duration.ofSeconds(15), w -> w.total() >= 40 && w.failed() == 0,
            "a window without failures once c's breaker is open");
        long failuresToOpen = Progress.of(consumer).failed() - failedBefore;
        System.out.println("failed calls before the breaker opened: " + failuresToOpen);
        assertTrue(failuresToOpen <= 10, "the breaker let too many calls fail: " + failuresToOpen);

        Files.delete(failFile);
        Progress.awaitWindow(consumer, Duration.ofSeconds(30), w -> w.count("c") > 0,
            "c serving again after the sleep window");
      }
    }
  }

  @Test
  void openMethodBreakerRejectsThatMethodAtOnceAndLeavesOthersAlone(@TempDir Path dir) throws Exception {
    Path failFile = dir.resolve("fail");
    Rules.methodBreaker(POLARIS.openApi(), "methods", "/echo.Echo/Other", 3, 30);
    try (ForkedApp a = provider("methods", "a", "v1", "--fail-file=" + failFile);
        ForkedApp b = provider("methods", "b", "v1", "--fail-file=" + failFile)) {
      awaitHealthy("methods", 2);
      try (ForkedApp other = consumer("polaris://methods", "--method=Other");
          ForkedApp echo = consumer("polaris://methods", "--method=Echo")) {
        Poll.until(Duration.ofSeconds(30), OBSERVE, () -> Progress.of(echo), p -> p.ok() >= 40, "Echo calls");
        Poll.until(Duration.ofSeconds(30), OBSERVE, () -> Progress.of(other), p -> p.ok() >= 80, "Other calls");
        Files.writeString(failFile, "INTERNAL Other");
        Poll.until(Duration.ofSeconds(30), OBSERVE, () -> Progress.of(other), p -> p.failed() >= 40,
            "Other calls failing");
        long echoFailed = Progress.of(echo).failed();
        Progress.awaitWindow(other, Duration.ofSeconds(10), w -> w.failed() >= 40, "Other still failing");
        Progress.awaitWindow(echo, Duration.ofSeconds(10), w -> w.ok() >= 40 && w.failed() == 0,
            "Echo unaffected");
        assertEquals(echoFailed, Progress.of(echo).failed(), echo.describe());
        other.sigterm();
        assertTrue(other.waitFor(Duration.ofSeconds(30)), other.describe());
        String summary = String.join("\n", other.lines());
        assertTrue(summary.contains("circuit breaker open for method /echo.Echo/Other"), summary);
        long reachedProviders = other.lines().stream()
            .filter(line -> line.startsWith("ERROR code=INTERNAL "))
            .mapToLong(line -> Long.parseLong(line.replaceAll(".* count=(\\d+) .*", "$1")))
            .sum();
        System.out.println("Other calls that reached a provider before its breaker opened: " + reachedProviders);
        assertTrue(reachedProviders <= 10, "the open breaker still let calls through: " + reachedProviders);
      }
    }
  }

  private static ForkedApp provider(String service, String name, String version, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "--name=" + name;
    System.arraycopy(args, 0, all, 1, args.length);
    ForkedApp provider = ForkedApp.main(EchoProvider.class).name(name).withAgent()
        .property("polaris.address", POLARIS.grpcAddress())
        .property("polaris.service", service)
        .property("polaris.metadata.version", version)
        .args(all)
        .start();
    provider.awaitLine("READY .*", Duration.ofSeconds(60));
    return provider;
  }

  private static ForkedApp consumer(String target, String... args) {
    String[] all = new String[args.length + 4];
    all[0] = "--target=" + target;
    all[1] = "--rate=40";
    all[2] = "--duration=150s";
    all[3] = "--deadline=3s";
    System.arraycopy(args, 0, all, 4, args.length);
    return ForkedApp.main(EchoConsumer.class).name("consumer" + (args.length > 0 ? "-tagged" : ""))
        .withAgent()
        .property("polaris.address", POLARIS.grpcAddress())
        .property("polaris.service", "governed-consumer")
        .property("polaris.loadbalancer", "round_robin")
        .args(all)
        .start();
  }

  private static void awaitHealthy(String service, int count) {
    Poll.until(Duration.ofSeconds(60), OBSERVE, () -> POLARIS.openApi().listInstances(service, "default"),
        list -> list.stream().filter(i -> i.healthy()).count() == count, count + " healthy " + service);
  }

  /** Cumulative counts from a consumer's last PROGRESS line. */
  record Progress(long ok, long failed, Map<String, Long> perInstance) {
    static Progress of(ForkedApp consumer) {
      java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(
          "PROGRESS second=\\d+ sent=\\d+ ok=(\\d+) failed=(\\d+) instances=(\\S*)");
      Progress last = new Progress(0, 0, Map.of());
      for (String line : consumer.lines()) {
        java.util.regex.Matcher m = pattern.matcher(line);
        if (m.matches()) {
          Map<String, Long> counts = new java.util.HashMap<>();
          for (String pair : m.group(3).split(",")) {
            int colon = pair.lastIndexOf(':');
            if (colon > 0) {
              counts.put(pair.substring(0, colon), Long.parseLong(pair.substring(colon + 1)));
            }
          }
          last = new Progress(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), counts);
        }
      }
      return last;
    }

    long count(String instance) {
      return perInstance.getOrDefault(instance, 0L);
    }

    /** What happened between an earlier progress and this one. */
    Progress minus(Progress earlier) {
      Map<String, Long> counts = new java.util.HashMap<>();
      perInstance.forEach((k, v) -> counts.put(k, v - earlier.count(k)));
      return new Progress(ok - earlier.ok, failed - earlier.failed, counts);
    }

    long total() {
      return ok + failed;
    }

    boolean onlyOn(String... instances) {
      java.util.Set<String> allowed = java.util.Set.of(instances);
      return perInstance.entrySet().stream().allMatch(e -> e.getValue() == 0 || allowed.contains(e.getKey()));
    }

    /**
     * Waits until the calls of some window of about two seconds satisfy {@code condition}; each window starts
     * where the previous one ended.
     */
    static void awaitWindow(ForkedApp consumer, Duration timeout,
        java.util.function.Predicate<Progress> condition, String what) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      Progress start = of(consumer);
      Progress window = null;
      while (System.nanoTime() < deadline) {
        Thread.sleep(2100); // PROGRESS lines come once a second: a window spans two of them
        Progress now = of(consumer);
        window = now.minus(start);
        if (condition.test(window)) {
          return;
        }
        start = now;
      }
      throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last window " + window
          + "; " + consumer.describe());
    }
  }
}
