package org.polarisagent.bench.load;

import static org.polarisagent.bench.load.Numbers.medians;
import static org.polarisagent.bench.load.Numbers.micros;
import static org.polarisagent.bench.load.Numbers.range;
import static org.polarisagent.bench.load.Numbers.ratio;
import static org.polarisagent.bench.load.Numbers.str;
import static org.polarisagent.bench.load.SystemBench.BASE_VERSION;
import static org.polarisagent.bench.load.SystemBench.EXIT_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.RESULT;
import static org.polarisagent.bench.load.SystemBench.ROUTING;
import static org.polarisagent.bench.load.SystemBench.SERVICE;
import static org.polarisagent.bench.load.SystemBench.SPREAD;
import static org.polarisagent.bench.load.SystemBench.START_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.port;
import static org.polarisagent.bench.load.SystemBench.progress;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import org.polarisagent.testing.ChildProcess;
import org.polarisagent.testing.HarnessFailure;
import org.polarisagent.testing.LineValues;
import org.polarisagent.testing.Rules;

/**
 * Figure 2 of the system benchmark: the per-call cost, closed loop against plain gRPC, and the
 * picker alone in JMH.
 */
record PerCallFigure(SystemBench bench) {

  // ---- 2. per-call cost

  private enum Case {
    PLAIN("plain gRPC round_robin"),
    AGENT("agent, no rule"),
    RULE("agent, one routing rule"),
    /** Diagnostic: what call-outcome reporting to the circuit breaker costs. */
    NO_BREAKER("agent, no rule, circuit breaking off"),
    /** Diagnostic: what counting calls for the metrics endpoint costs (polaris.metrics.port=0). */
    METRICS("agent, no rule, metrics on");

    final String label;

    Case(String label) {
      this.label = label;
    }
  }

  void perCall(List<ChildProcess> providers) throws Exception {
    String addresses =
        providers.stream().map(p -> "127.0.0.1:" + port(p)).collect(Collectors.joining(","));
    Map<Case, List<Map<String, Long>>> results = new LinkedHashMap<>();
    for (Case c : Case.values()) {
      results.put(c, new ArrayList<>());
    }
    bench
        .details
        .append("### 2. Per-call cost, each run\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "Closed loop, %d calls outstanding, %d s warm-up, %d s measured;"
                    + " each run a fresh client JVM.%n%n",
                bench.concurrency,
                bench.warmup.toSeconds(),
                bench.measure.toSeconds()))
        .append(
            "| run | case | calls/s | p50 µs | p99 µs | p99.9 µs | max µs | client CPU µs/call | failed "
                + "| spread | agent routing |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    progress("2: warming the providers up (one plain run, not counted)");
    closedLoop(Case.PLAIN, -1, addresses, Duration.ofSeconds(10), Duration.ofSeconds(2));
    for (int round = 0; round < bench.rounds; round++) {
      List<Case> order =
          round % 2 == 0
              ? List.of(Case.PLAIN, Case.AGENT, Case.METRICS, Case.RULE, Case.NO_BREAKER)
              : List.of(Case.NO_BREAKER, Case.RULE, Case.METRICS, Case.AGENT, Case.PLAIN);
      for (Case c : order) {
        String ruleId = null;
        if (c == Case.RULE) {
          ruleId =
              Rules.headerRouting(
                  bench.polaris.openApi(), SERVICE, "x-bench-canary", "yes", "v2", BASE_VERSION);
          Thread.sleep(3000);
        }
        try {
          results.get(c).add(closedLoop(c, round, addresses, bench.warmup, bench.measure));
        } finally {
          if (ruleId != null) {
            Rules.deleteRouting(bench.polaris.openApi(), ruleId);
            Thread.sleep(3000);
          }
        }
      }
    }
    bench.details.append('\n');
    Map<String, Long> plain = medians(results.get(Case.PLAIN));
    Map<String, Long> agent = medians(results.get(Case.AGENT));
    for (Case c : List.of(Case.AGENT, Case.RULE, Case.NO_BREAKER, Case.METRICS)) {
      Map<String, Long> with = medians(results.get(c));
      String figure = "2. Per-call (" + c.label + ")";
      if (c == Case.METRICS) {
        // Against the agent without metrics, the same case otherwise: what turning them on costs.
        bench.table.row(
            figure,
            "throughput, calls/s / p99 µs / client CPU µs per call, against metrics off"
                + " (diagnostic)",
            with.get("rps")
                + " / "
                + with.get("p99us")
                + " / "
                + micros(with.get("cpu-ns-per-call")),
            agent.get("rps")
                + " / "
                + agent.get("p99us")
                + " / "
                + micros(agent.get("cpu-ns-per-call")),
            ratio((double) with.get("rps") / agent.get("rps"))
                + " / "
                + ratio((double) with.get("p99us") / agent.get("p99us"))
                + " / "
                + String.format(
                    Locale.ROOT,
                    "%+.1f µs",
                    (with.get("cpu-ns-per-call") - agent.get("cpu-ns-per-call")) / 1000.0),
            "",
            "");
        continue;
      }
      if (c == Case.NO_BREAKER) {
        bench.table.row(
            figure,
            "throughput, calls/s / p99 µs / client CPU µs per call (diagnostic)",
            with.get("rps")
                + " / "
                + with.get("p99us")
                + " / "
                + micros(with.get("cpu-ns-per-call")),
            plain.get("rps")
                + " / "
                + plain.get("p99us")
                + " / "
                + micros(plain.get("cpu-ns-per-call")),
            ratio((double) with.get("rps") / plain.get("rps"))
                + " / "
                + ratio((double) with.get("p99us") / plain.get("p99us")),
            "",
            "");
        continue;
      }
      double p99Ratio = (double) with.get("p99us") / plain.get("p99us");
      bench.throughputRow(
          figure,
          "throughput, calls/s (median of " + bench.rounds + ")",
          with.get("rps"),
          plain.get("rps"),
          0.97,
          "plain gRPC");
      bench.pairRow(
          figure,
          "throughput range over the runs, calls/s",
          range(results.get(c), "rps"),
          range(results.get(Case.PLAIN), "rps"));
      bench.ratioRow(figure, "p50 latency, µs", with.get("p50us"), plain.get("p50us"), "%.0f");
      bench.table.row(
          figure,
          "p99 latency, µs",
          str(with.get("p99us")),
          str(plain.get("p99us")),
          ratio(p99Ratio),
          "≤ 1.05×",
          bench.met(p99Ratio <= 1.05, figure + " p99 " + ratio(p99Ratio) + " of plain gRPC"));
      bench.table.row(
          figure,
          "client CPU per call, µs",
          micros(with.get("cpu-ns-per-call")),
          micros(plain.get("cpu-ns-per-call")),
          String.format(
              Locale.ROOT,
              "+%.1f µs",
              (with.get("cpu-ns-per-call") - plain.get("cpu-ns-per-call")) / 1000.0),
          "",
          "");
    }
  }

  /** One run of {@link ClosedLoopClient}; round -1 is the providers' warm-up, reported as such. */
  private Map<String, Long> closedLoop(
      Case c, int round, String addresses, Duration warm, Duration measured) throws Exception {
    String name =
        "per-call-" + c.name().toLowerCase(Locale.ROOT) + "-" + (round < 0 ? "warmup" : round + 1);
    Map<String, String> props = new LinkedHashMap<>();
    props.put("polaris.service", "bench-client");
    props.put("polaris.loadbalancer", "round_robin");
    props.put("polaris.log.level", "debug");
    if (c == Case.NO_BREAKER) {
      props.put("polaris.circuitbreaker.enabled", "false");
    }
    if (c == Case.METRICS) {
      props.put("polaris.metrics.port", "0");
    }
    String target = c == Case.PLAIN ? FixedAddresses.target(addresses) : "polaris://" + SERVICE;
    if (round >= 0) {
      progress("2: " + name + " (" + c.label + ")");
    }
    ChildProcess client =
        bench.start(
            c != Case.PLAIN,
            name,
            props,
            ClosedLoopClient.class,
            "--target=" + target,
            "--concurrency=" + bench.concurrency,
            "--warmup=" + warm.toSeconds() + "s",
            "--measure=" + measured.toSeconds() + "s");
    try {
      String result =
          client
              .awaitLine(RESULT, START_TIMEOUT.plus(warm).plus(measured).plus(START_TIMEOUT))
              .text();
      String spread = client.awaitLine(SPREAD, Duration.ofSeconds(10)).text();
      client.awaitExit(EXIT_TIMEOUT);
      Map<String, Long> values = new HashMap<>();
      for (String key :
          List.of("rps", "p50us", "p99us", "p999us", "maxus", "failed", "cpu-ns-per-call")) {
        values.put(key, LineValues.field(result, key));
      }
      String routing = "";
      if (c != Case.PLAIN) {
        List<String> modes = new ArrayList<>();
        Matcher m = ROUTING.matcher(client.stderr());
        while (m.find()) {
          modes.add(m.group(1) + " " + (m.group(2).startsWith("per-call") ? "per-call" : "once"));
        }
        routing = modes.isEmpty() ? "?" : modes.get(modes.size() - 1);
        boolean perCall = routing.endsWith("per-call");
        if (perCall != (c == Case.RULE)) {
          routing += " (UNEXPECTED)";
          bench.misses.add(
              name + ": the agent's routing was '" + routing + "', not what the case needs");
        }
      }
      bench
          .details
          .append("| ")
          .append(round < 0 ? "warm-up" : String.valueOf(round + 1))
          .append(" | ")
          .append(c.label)
          .append(" | ")
          .append(values.get("rps"))
          .append(" | ")
          .append(values.get("p50us"))
          .append(" | ")
          .append(values.get("p99us"))
          .append(" | ")
          .append(values.get("p999us"))
          .append(" | ")
          .append(values.get("maxus"))
          .append(" | ")
          .append(micros(values.get("cpu-ns-per-call")))
          .append(" | ")
          .append(values.get("failed"))
          .append(" | ")
          .append(spread.substring("SPREAD".length()).trim())
          .append(" | ")
          .append(routing)
          .append(" |\n");
      return values;
    } finally {
      client.kill();
    }
  }

  // ---- picker (JMH)

  void picker() throws Exception {
    progress("2: JMH PickerBenchmark (fork 1, 3 x 1 s warm-up, 5 x 1 s measured, -prof gc)");
    Path csv = bench.out.resolve("jmh-picker.csv");
    ChildProcess jmh =
        ChildProcess.start(
            "jmh-picker",
            List.of(
                bench.java,
                "-cp",
                bench.jmhClasspath,
                "org.openjdk.jmh.Main",
                "PickerBenchmark",
                "-f",
                "1",
                "-wi",
                "3",
                "-w",
                "1s",
                "-i",
                "5",
                "-r",
                "1s",
                "-prof",
                "gc",
                "-rf",
                "csv",
                "-rff",
                csv.toString()),
            bench.logs);
    try {
      int exit = jmh.awaitExit(Duration.ofMinutes(5));
      if (exit != 0 || !Files.isRegularFile(csv)) {
        throw new HarnessFailure(
            "JMH exited with " + exit + "; see " + bench.logs.resolve("jmh-picker.out"));
      }
    } finally {
      jmh.kill();
    }
    Map<String, double[]> scores = new TreeMap<>();
    for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
      String[] cells = line.split(",");
      if (cells.length < 7 || cells[0].contains("Benchmark\"")) {
        continue;
      }
      String bench = unquote(cells[0]).replaceAll(".*PickerBenchmark\\.", "");
      String param = cells.length > 7 ? unquote(cells[7]) : "";
      scores.put(
          bench + (param.isEmpty() ? "" : "/" + param),
          new double[] {Double.parseDouble(cells[4]), Double.parseDouble(cells[5])});
    }
    bench.details.append(
        "### 2. Picker (JMH), every score\n\n| benchmark | score | ± 99.9% |\n|---|---|---|\n");
    scores.forEach(
        (k, v) ->
            bench.details.append(
                String.format(Locale.ROOT, "| %s | %.3f | %.3f |%n", k, v[0], v[1])));
    bench.details.append('\n');
    double[] grpcNs = scores.get("grpcRoundRobinPicker");
    double[] grpcBytes = scores.get("grpcRoundRobinPicker:gc.alloc.rate.norm");
    for (String policy : List.of("weighted_random", "round_robin")) {
      double[] ns = scores.get("polarisPicker/" + policy);
      double[] bytes = scores.get("polarisPicker:gc.alloc.rate.norm/" + policy);
      if (ns == null || bytes == null || grpcNs == null || grpcBytes == null) {
        throw new HarnessFailure("JMH results incomplete: " + scores.keySet());
      }
      String figure = "2. Picker alone (JMH, " + policy + ", no rule)";
      bench.table.row(
          figure,
          "ns per pick",
          String.format(Locale.ROOT, "%.1f ± %.1f", ns[0], ns[1]),
          String.format(Locale.ROOT, "%.1f (gRPC round_robin)", grpcNs[0]),
          ratio(ns[0] / grpcNs[0]),
          "< 1000 ns",
          bench.met(ns[0] < 1000, figure + " " + ns[0] + " ns"));
      bench.table.row(
          figure,
          "bytes allocated per pick",
          String.format(Locale.ROOT, "%.2f", bytes[0]),
          String.format(Locale.ROOT, "%.0f", grpcBytes[0]),
          "",
          "0 B",
          bench.met(bytes[0] < 0.5, figure + " allocates " + bytes[0] + " B per pick"));
    }
  }

  private static String unquote(String cell) {
    return cell.replace("\"", "").trim();
  }
}
