package org.polarisagent.it.governance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.consumer.Providers;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.samples.RelayProvider;
import org.polarisagent.testing.Rules;

/**
 * Full-link gray release through a chain of unmodified apps, A -> B -> C: a client calls A
 * directly; A and B relay each call to the next service through a {@code polaris://} channel (A on
 * its handler's thread, B through a Context-wrapped executor); C has a base and a gray instance,
 * and a routing rule on C sends calls with {@code x-env: gray} to the gray one and all others to
 * the base one. Only the agent's {@code polaris.grpc.propagate-headers} carries the header from A's
 * incoming call to B's call to C, where the rule is applied.
 */
class GrayReleaseChainTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration OBSERVE = Duration.ofMillis(250);
  private static final Duration RULE_TAKES_EFFECT = Duration.ofSeconds(60);

  @Test
  void onlyCallsThatEnteredTheChainWithTheHeaderReachTheGrayInstance() {
    try (Chain chain = Chain.start("gray", true);
        ForkedApp tagged = client("client-gray", chain.port, "--header=x-env=gray");
        ForkedApp untagged = client("client-plain", chain.port)) {
      // Both clients call A at the same time: A and B serve tagged and untagged calls side by side
      // on the same threads.
      ConsumerProgress.awaitWindow(
          tagged,
          RULE_TAKES_EFFECT,
          w -> w.ok() >= 40 && w.onlyOn("c-gray"),
          "tagged calls only on c-gray");
      ConsumerProgress.awaitWindow(
          untagged,
          RULE_TAKES_EFFECT,
          w -> w.ok() >= 40 && w.onlyOn("c-base"),
          "untagged calls only on c-base");

      // From here on, every call of each client counts (no window is skipped): 100 more each.
      ConsumerProgress taggedBefore = ConsumerProgress.of(tagged);
      ConsumerProgress untaggedBefore = ConsumerProgress.of(untagged);
      ConsumerProgress taggedWindow =
          ConsumerProgress.awaitMoreAnswered(
              tagged, taggedBefore, 100, Duration.ofSeconds(60), OBSERVE);
      ConsumerProgress untaggedWindow =
          ConsumerProgress.awaitMoreAnswered(
              untagged, untaggedBefore, 100, Duration.ofSeconds(60), OBSERVE);
      System.out.println(
          "window: tagged "
              + taggedWindow
              + ", untagged "
              + untaggedWindow
              + "; whole run: tagged "
              + ConsumerProgress.of(tagged)
              + ", untagged "
              + ConsumerProgress.of(untagged));
      assertTrue(taggedWindow.onlyOn("c-gray"), "tagged calls that missed c-gray: " + taggedWindow);
      assertTrue(
          untaggedWindow.onlyOn("c-base"), "untagged calls that reached c-gray: " + untaggedWindow);
    }
  }

  @Test
  void withoutThePropertyTheHeaderStopsAtTheFirstService() {
    try (Chain chain = Chain.start("plain", false);
        ForkedApp tagged = client("client-gray", chain.port, "--header=x-env=gray")) {
      // Without the rule calls would spread over both instances: a window of 80 on c-base alone
      // (past the start-up, where first calls may outlast the relays' deadlines) shows the rule in
      // force and the header missing at B's call to C.
      ConsumerProgress window =
          ConsumerProgress.awaitWindow(
              tagged,
              RULE_TAKES_EFFECT,
              4,
              w -> w.ok() >= 80 && w.failed() == 0 && w.onlyOn("c-base"),
              "tagged calls only on c-base");
      System.out.println("tagged calls without propagation: " + window);
    }
  }

  /**
   * C's two instances with the rule, B and A of one chain; services {@code <prefix>-a}, {@code -b},
   * {@code -c}.
   */
  private record Chain(int port, List<ForkedApp> apps) implements AutoCloseable {

    static Chain start(String prefix, boolean propagate) {
      List<ForkedApp> apps = new ArrayList<>();
      try {
        apps.add(provider(prefix + "-c", "c-base", "base"));
        apps.add(provider(prefix + "-c", "c-gray", "gray"));
        Providers.awaitHealthy(POLARIS, prefix + "-c", 2);
        Rules.headerRouting(
            POLARIS.openApi(), prefix + "-c", "x-env", "gray", "env", "gray", "base");
        apps.add(relay(prefix + "-b", "polaris://" + prefix + "-c", "executor", propagate));
        ForkedApp a = relay(prefix + "-a", "polaris://" + prefix + "-b", "handler", propagate);
        apps.add(a);
        Providers.awaitHealthy(POLARIS, prefix + "-b", 1);
        int port =
            Integer.parseInt(a.awaitLine("READY port=(\\d+).*", Duration.ofSeconds(60)).group(1));
        return new Chain(port, apps);
      } catch (RuntimeException | Error e) {
        apps.forEach(ForkedApp::close);
        throw e;
      }
    }

    @Override
    public void close() {
      apps.forEach(ForkedApp::close);
    }
  }

  private static ForkedApp provider(String service, String name, String env) {
    ForkedApp provider =
        POLARIS
            .agentApp(EchoProvider.class, name)
            .property("polaris.service", service)
            .property("polaris.metadata.env", env)
            .args("--name=" + name)
            .start();
    provider.awaitLine("READY .*", Duration.ofSeconds(60));
    return provider;
  }

  /** A relay with the agent, registered as {@code service}. */
  private static ForkedApp relay(String service, String next, String hop, boolean propagate) {
    ForkedApp.Builder relay =
        POLARIS
            .agentApp(RelayProvider.class, service)
            .property("polaris.service", service)
            .args("--name=" + service, "--next=" + next, "--hop=" + hop);
    if (propagate) {
      relay.property("polaris.grpc.propagate-headers", "x-env,x-lane");
    }
    ForkedApp started = relay.start();
    started.awaitLine("READY .*", Duration.ofSeconds(60));
    return started;
  }

  /** A client without the agent calling A at its address, like a gateway would. */
  private static ForkedApp client(String name, int port, String... args) {
    return ForkedApp.main(EchoConsumer.class)
        .name(name)
        .args("--target=127.0.0.1:" + port, "--rate=40", "--duration=150s", "--deadline=5s")
        .args(args)
        .start();
  }
}
