package org.polarisagent.bench.load;

import static org.polarisagent.bench.load.Numbers.medians;
import static org.polarisagent.bench.load.Numbers.range;
import static org.polarisagent.bench.load.Numbers.str;
import static org.polarisagent.bench.load.SystemBench.EXIT_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.RESULT;
import static org.polarisagent.bench.load.SystemBench.START_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.port;
import static org.polarisagent.bench.load.SystemBench.progress;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.polarisagent.samples.EchoService;
import org.polarisagent.testing.ChildProcess;
import org.polarisagent.testing.LineValues;
import org.polarisagent.testing.Rules;

/**
 * Figure 8 of the system benchmark: what provider rate limiting costs a call. Three {@link
 * TrafficProvider}s: one without the agent, one with it and no rule, one with it under a LOCAL
 * rate-limit rule on {@code /echo.Echo/Echo} whose quota (1,000,000 calls a second) no call
 * reaches, so every call acquires a quota and passes. A {@link ClosedLoopClient} without the agent
 * calls each in turn ({@code --rounds} times, alternating order); medians are reported.
 */
record RateLimitFigure(SystemBench bench) {

  private static final int QUOTA = 1_000_000;

  private enum Provider {
    PLAIN("no agent"),
    AGENT("agent, no rule"),
    LIMITED("agent, one rate-limit rule");

    final String label;

    Provider(String label) {
      this.label = label;
    }
  }

  void rateLimit() throws Exception {
    progress("8: provider rate limiting (a rule whose quota no call reaches)");
    Map<Provider, ChildProcess> providers = new LinkedHashMap<>();
    try {
      providers.put(Provider.PLAIN, bench.startProvider("rl-plain", "rl-plain", false));
      providers.put(Provider.AGENT, bench.startProvider("rl-agent", "rl-agent", true));
      bench.polaris.openApi().createService("rl-limited", "default");
      Rules.localRateLimit(
          bench.polaris.openApi(),
          "rl-limited",
          "bench-quota",
          "/" + EchoService.ECHO.getFullMethodName(),
          QUOTA);
      ChildProcess limited = bench.startProvider("rl-limited", "rl-limited", true);
      providers.put(Provider.LIMITED, limited);
      limited.awaitStderrLine(
          text -> text.contains("rate limiting of calls to default/rl-limited: Polaris rules"),
          START_TIMEOUT,
          0);
      Map<Provider, List<Map<String, Long>>> results = new LinkedHashMap<>();
      for (int round = 0; round < bench.rounds; round++) {
        List<Provider> order = new ArrayList<>(List.of(Provider.values()));
        if (round % 2 == 1) {
          java.util.Collections.reverse(order);
        }
        for (Provider provider : order) {
          results
              .computeIfAbsent(provider, any -> new ArrayList<>())
              .add(closedLoop(provider, round, port(providers.get(provider))));
        }
      }
      Map<String, Long> plain = medians(results.get(Provider.PLAIN));
      for (Provider provider : List.of(Provider.AGENT, Provider.LIMITED)) {
        Map<String, Long> with = medians(results.get(provider));
        String figure = "8. Provider rate limiting (" + provider.label + ")";
        bench.throughputRow(
            figure,
            "throughput, calls/s (median of " + bench.rounds + ") against no agent",
            with.get("rps"),
            plain.get("rps"),
            provider == Provider.LIMITED ? 0.95 : null,
            "no agent");
        bench.pairRow(
            figure,
            "throughput range over the runs, calls/s",
            range(results.get(provider), "rps"),
            range(results.get(Provider.PLAIN), "rps"));
        bench.ratioRow(figure, "p99 latency, µs", with.get("p99us"), plain.get("p99us"), "%.0f");
        bench.valueRow(figure, "failed calls (all runs)", str(failed(results.get(provider))));
      }
    } finally {
      ChildProcess.stopAll(new ArrayList<>(providers.values()), EXIT_TIMEOUT)
          .forEach(SystemBench::progress);
    }
  }

  private static long failed(List<Map<String, Long>> runs) {
    return runs.stream().mapToLong(run -> run.get("failed")).sum();
  }

  /** One run of a {@link ClosedLoopClient} without the agent against one provider. */
  private Map<String, Long> closedLoop(Provider provider, int round, int port) throws Exception {
    String name = "rate-limit-" + provider.name().toLowerCase(Locale.ROOT) + "-" + (round + 1);
    progress("8: " + name + " (" + provider.label + ")");
    ChildProcess client =
        bench.start(
            false,
            name,
            Map.of(),
            ClosedLoopClient.class,
            "--target=" + FixedAddresses.target("127.0.0.1:" + port),
            "--concurrency=" + bench.concurrency,
            "--warmup=" + bench.warmup.toSeconds() + "s",
            "--measure=" + bench.measure.toSeconds() + "s");
    try {
      String result =
          client
              .awaitLine(
                  RESULT, START_TIMEOUT.plus(bench.warmup).plus(bench.measure).plus(START_TIMEOUT))
              .text();
      client.awaitExit(EXIT_TIMEOUT);
      Map<String, Long> values = new HashMap<>();
      for (String key : List.of("rps", "p99us", "failed")) {
        values.put(key, LineValues.field(result, key));
      }
      return values;
    } finally {
      ChildProcess.stopAll(List.of(client), EXIT_TIMEOUT).forEach(SystemBench::progress);
    }
  }
}
