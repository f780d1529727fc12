package org.polarisagent.bench.load;

import static org.polarisagent.bench.load.Numbers.str;
import static org.polarisagent.bench.load.SystemBench.EXIT_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.progress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.polarisagent.testing.ChildProcess;
import org.polarisagent.testing.HarnessFailure;

/**
 * The last part of figure 7 of the system benchmark: 200 services of 20 real instances each
 * (registered through the OpenAPI on the ports of the servers {@link ScaleFigure} started), called
 * one after the other by one {@link ManyServicesClient}, with the agent and without it (200
 * channels over the same 20 addresses): when the first and the 200th service answered, threads and
 * memory once all are connected.
 */
record ManyServicesFigure(SystemBench bench) {

  private static final int SERVICES = 200;
  private static final int INSTANCES_PER_SERVICE = 20;
  private static final Pattern RESOLVED = Pattern.compile("^RESOLVED index=(\\d+) ms=(\\d+)");
  private static final Pattern ALL = Pattern.compile("^ALL count=\\d+ ms=(\\d+)");

  void manyServices(String[] ports) throws Exception {
    progress("7: " + SERVICES + " services x " + INSTANCES_PER_SERVICE + " instances");
    List<String> first = new ArrayList<>();
    for (int i = 1; i <= SERVICES; i++) {
      List<String> addresses = new ArrayList<>();
      for (int j = 0; j < INSTANCES_PER_SERVICE; j++) {
        addresses.add("127.0.0.1:" + ports[(i * INSTANCES_PER_SERVICE + j) % ports.length]);
      }
      ScaleFigure.register(bench.polaris.openApi(), "scale-svc-" + i, addresses);
      if (i == 1) {
        first = addresses;
      }
    }
    Services agent = services("scale-services-agent", true, "polaris://scale-svc-%d");
    Services plain =
        services("scale-services-plain", false, FixedAddresses.target(String.join(",", first)));
    String figure = "7. Scale, " + SERVICES + " services x " + INSTANCES_PER_SERVICE + " instances";
    bench.millisRow(
        figure, "service 1: channel built → first reply, ms", agent.firstMillis, plain.firstMillis);
    bench.millisRow(
        figure,
        "service " + SERVICES + ": channel built → first reply, ms",
        agent.lastMillis,
        plain.lastMillis);
    bench.ratioRow(
        figure,
        "all " + SERVICES + " called one after the other, ms",
        agent.allMillis,
        plain.allMillis,
        "%.0f");
    bench.table.row(
        figure,
        "threads",
        str(agent.footprint.threads()),
        str(plain.footprint.threads()),
        String.format(Locale.ROOT, "%+d", agent.footprint.threads() - plain.footprint.threads()),
        "",
        "");
    bench.megabytesRow(
        figure, "resident memory after GC, MB", agent.footprint.rssKb(), plain.footprint.rssKb());
    bench.megabytesRow(
        figure, "heap used after GC, MB", agent.footprint.heapKb(), plain.footprint.heapKb());
  }

  /** What one {@link ManyServicesClient} run gave. */
  private record Services(long firstMillis, long lastMillis, long allMillis, Footprint footprint) {}

  private Services services(String name, boolean withAgent, String targets) throws Exception {
    ChildProcess consumer =
        bench.start(
            withAgent,
            name,
            Map.of("polaris.service", "scale-consumer", "polaris.loadbalancer", "round_robin"),
            ManyServicesClient.class,
            "--targets=" + targets,
            "--count=" + SERVICES);
    try {
      long all =
          Long.parseLong(group(ALL, consumer.awaitLine(ALL, Duration.ofMinutes(3)).text(), 1));
      Map<Integer, Long> resolved = new HashMap<>();
      for (ChildProcess.Line line : consumer.linesMatching(RESOLVED)) {
        resolved.put(
            Integer.parseInt(group(RESOLVED, line.text(), 1)),
            Long.parseLong(group(RESOLVED, line.text(), 2)));
      }
      if (resolved.size() != SERVICES) {
        throw new HarnessFailure(
            name + ": " + (SERVICES - resolved.size()) + " services not reached, see its log");
      }
      Footprint footprint = Footprint.of(consumer.pid(), bench.logs, name);
      consumer.send("stop");
      consumer.awaitLine(Pattern.compile("^DONE"), EXIT_TIMEOUT);
      return new Services(resolved.get(1), resolved.get(SERVICES), all, footprint);
    } finally {
      ChildProcess.stopAll(List.of(consumer), EXIT_TIMEOUT).forEach(SystemBench::progress);
    }
  }

  private static String group(Pattern pattern, String text, int group) {
    Matcher matcher = pattern.matcher(text);
    if (!matcher.find()) {
      throw new HarnessFailure("'" + text + "' does not match " + pattern);
    }
    return matcher.group(group);
  }
}
