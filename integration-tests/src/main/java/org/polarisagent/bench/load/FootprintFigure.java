package org.polarisagent.bench.load;

import static org.polarisagent.bench.load.Numbers.mb;
import static org.polarisagent.bench.load.Numbers.str;
import static org.polarisagent.bench.load.SystemBench.EXIT_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.START_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.port;
import static org.polarisagent.bench.load.SystemBench.progress;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.polarisagent.testing.ChildProcess;

/**
 * Figure 6 of the system benchmark: threads and memory of a provider and a consumer, with and
 * without the agent.
 */
record FootprintFigure(SystemBench bench) {

  // ---- 6. footprint

  void footprint() throws Exception {
    progress("6: footprint (idle provider, consumer at 1 call/s; with and without the agent)");
    ChildProcess agentProvider = bench.startProvider("fp-provider-agent", "footprint", true);
    ChildProcess plainProvider = bench.startProvider("fp-provider-plain", "footprint", false);
    List<ChildProcess> all = new ArrayList<>(List.of(agentProvider, plainProvider));
    try {
      Map<String, String> props = Map.of("polaris.service", "footprint-consumer");
      ChildProcess agentConsumer =
          bench.start(
              true,
              "fp-consumer-agent",
              props,
              SteadyClient.class,
              "--target=polaris://footprint",
              "--rate=1",
              "--max-duration=3m");
      all.add(agentConsumer);
      ChildProcess plainConsumer =
          bench.start(
              false,
              "fp-consumer-plain",
              props,
              SteadyClient.class,
              "--target=" + FixedAddresses.target("127.0.0.1:" + port(plainProvider)),
              "--rate=1",
              "--max-duration=3m");
      all.add(plainConsumer);
      agentConsumer.awaitLine(Pattern.compile("^SEEN "), START_TIMEOUT);
      plainConsumer.awaitLine(Pattern.compile("^SEEN "), START_TIMEOUT);
      Thread.sleep(10_000);
      Footprint providerWith = Footprint.of(agentProvider.pid(), bench.logs, agentProvider.name());
      Footprint providerWithout =
          Footprint.of(plainProvider.pid(), bench.logs, plainProvider.name());
      Footprint consumerWith = Footprint.of(agentConsumer.pid(), bench.logs, agentConsumer.name());
      Footprint consumerWithout =
          Footprint.of(plainConsumer.pid(), bench.logs, plainConsumer.name());
      bench.valueRow(
          "6. Footprint",
          "agent jar, MB",
          String.format(Locale.ROOT, "%.1f", Files.size(bench.agent) / 1e6));
      footprintRows("provider (idle)", providerWith, providerWithout);
      footprintRows("consumer (1 call/s)", consumerWith, consumerWithout);
      agentConsumer.send("stop");
      plainConsumer.send("stop");
    } finally {
      ChildProcess.stopAll(all, EXIT_TIMEOUT).forEach(SystemBench::progress);
    }
  }

  private void footprintRows(String app, Footprint with, Footprint without) {
    String figure = "6. Footprint, " + app;
    long rssDelta = with.rssKb() - without.rssKb();
    int threadDelta = with.threads() - without.threads();
    bench.table.row(
        figure,
        "resident memory (RSS) after GC, MB",
        mb(with.rssKb()),
        mb(without.rssKb()),
        "+" + mb(rssDelta),
        "≤ +64 MB",
        bench.met(rssDelta <= 64 * 1024, app + " RSS +" + mb(rssDelta) + " MB"));
    bench.megabytesRow(figure, "heap used after GC, MB", with.heapKb(), without.heapKb());
    bench.megabytesRow(figure, "metaspace used, MB", with.metaspaceKb(), without.metaspaceKb());
    bench.table.row(
        figure,
        "threads",
        str(with.threads()),
        str(without.threads()),
        String.format("%+d", threadDelta),
        "≤ +6",
        bench.met(threadDelta <= 6, app + " has " + threadDelta + " more threads with the agent"));
    bench
        .details
        .append("### 6. Threads only with the agent, ")
        .append(app)
        .append("\n\n")
        .append(extraThreads(with.threadNames(), without.threadNames()))
        .append("\n\n");
  }

  /**
   * Thread names (digits folded) that the agent's JVM has more of than the plain one, with counts.
   */
  private static String extraThreads(List<String> with, List<String> without) {
    Map<String, Integer> counts = new TreeMap<>();
    with.forEach(n -> counts.merge(n.replaceAll("\\d+", "N"), 1, Integer::sum));
    without.forEach(n -> counts.merge(n.replaceAll("\\d+", "N"), -1, Integer::sum));
    String extra =
        counts.entrySet().stream()
            .filter(e -> e.getValue() != 0)
            .map(e -> "`" + e.getKey() + "` " + String.format("%+d", e.getValue()))
            .collect(Collectors.joining(", "));
    return extra.isEmpty() ? "none" : extra;
  }
}
