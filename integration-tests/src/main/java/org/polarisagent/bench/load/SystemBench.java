package org.polarisagent.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.polarisagent.testing.ChildProcess;
import org.polarisagent.testing.Flags;
import org.polarisagent.testing.HarnessFailure;
import org.polarisagent.testing.Machine;
import org.polarisagent.testing.MarkdownTable;
import org.polarisagent.testing.PolarisServer;
import org.polarisagent.testing.Rules;
import org.polarisagent.testing.WallClock;

/**
 * Runs the system benchmarks of the agent against a real Polaris server on loopback, each figure next to its
 * baseline measured in the same run, and prints one Markdown table (also written to {@code <report>}):
 *
 * <ul>
 *   <li><b>2. Per-call cost.</b> {@link ClosedLoopClient} against three {@link TrafficProvider}s: with the agent
 *       ({@code polaris://echo}, Polaris balancer, no rule), without it (plain gRPC {@code round_robin} over the
 *       same three addresses, {@link FixedAddresses}), with the agent while one header routing rule is active, and
 *       (a diagnostic) with the agent but without circuit breaking, which reports every call's outcome.
 *       The cases alternate, each in a fresh JVM, {@code --rounds} times; medians are reported. Plus the JMH
 *       picker benchmark ({@code PickerBenchmark}), if {@code --jmh-classpath} is given.</li>
 *   <li><b>3-5. Convergence, rolling restart, crash.</b> One {@link SteadyClient} with the agent calls at
 *       {@code --rate} while the three providers are restarted one by one (SIGTERM, start a replacement, wait
 *       until it is called and the old one has exited), then one is SIGKILLed and replaced.</li>
 *   <li><b>6. Footprint.</b> An idle provider and a consumer making one call per second, each with and without the
 *       agent: threads, resident memory, heap and metaspace after a full GC.</li>
 * </ul>
 *
 * <p>Flags: {@code --agent=JAR --server-script=polaris-server.sh --out=DIR --report=FILE} (required),
 * {@code --jmh-classpath=CP}, {@code --rounds=3 --warmup=5s --measure=20s --concurrency=16 --rate=200},
 * {@code --command=TEXT} (the command line, for the report), {@code --note=TEXT}. ChildProcess JVMs use this JVM's
 * {@code java} and class path. Every process is bounded in time and stopped at the end, also on failure.
 */
public final class SystemBench {

    private static final Pattern READY = Pattern.compile("^READY ");
    private static final Pattern FIRST_CALL = Pattern.compile("^FIRST_CALL ");
    private static final Pattern SERVED = Pattern.compile("^SERVED ");
    private static final Pattern STOPPED = Pattern.compile("^STOPPED ");
    private static final Pattern RESULT = Pattern.compile("^RESULT ");
    private static final Pattern SPREAD = Pattern.compile("^SPREAD");
    private static final Pattern AT = Pattern.compile("at-us=(\\d+)");
    private static final Pattern PORT = Pattern.compile("port=(\\d+)");
    private static final Pattern REGISTERED = Pattern.compile("registered gRPC server .* (\\d+) ms after start");
    private static final Pattern ROUTING = Pattern.compile("resolved to (\\d+) instance\\(s\\), routing (\\S+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(40);
    private static final String SERVICE = "echo";
    private static final String BASE_VERSION = "v1";

    private final Path agent;
    private final Path serverScript;
    private final Path out;
    private final Path logs;
    private final Path reportFile;
    private final String jmhClasspath;
    private final int rounds;
    private final Duration warmup;
    private final Duration measure;
    private final int concurrency;
    private final double rate;
    private final String command;
    private final String note;
    private final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    private final String classPath = System.getProperty("java.class.path");
    private final MarkdownTable table = new MarkdownTable("Figure", "Measure", "With agent", "Baseline", "Agent vs baseline",
            "Target", "Met");
    private final StringBuilder details = new StringBuilder();
    private final List<String> misses = new ArrayList<>();
    private PolarisServer polaris;
    private int providerSerial;

    private SystemBench(Flags flags) {
        agent = Paths.get(flags.required("agent")).toAbsolutePath();
        serverScript = Paths.get(flags.required("server-script")).toAbsolutePath();
        out = Paths.get(flags.required("out")).toAbsolutePath();
        logs = out.resolve("logs");
        reportFile = Paths.get(flags.required("report")).toAbsolutePath();
        jmhClasspath = flags.string("jmh-classpath", "");
        rounds = flags.integer("rounds", 3);
        warmup = flags.duration("warmup", Duration.ofSeconds(5));
        measure = flags.duration("measure", Duration.ofSeconds(20));
        concurrency = flags.integer("concurrency", 16);
        rate = flags.number("rate", 200);
        command = flags.string("command", "");
        note = flags.string("note", "");
        if (!Files.isRegularFile(agent) || !Files.isRegularFile(serverScript)) {
            throw new IllegalArgumentException("--agent and --server-script must name existing files");
        }
        if (rounds < 1 || concurrency < 1 || rate <= 0) {
            throw new IllegalArgumentException("--rounds, --concurrency and --rate must be positive");
        }
    }

    public static void main(String[] args) throws Exception {
        SystemBench bench;
        try {
            bench = new SystemBench(Flags.parse(args, Set.of("agent", "server-script", "out", "report",
                    "jmh-classpath", "rounds", "warmup", "measure", "concurrency", "rate", "command", "note")));
        } catch (IllegalArgumentException e) {
            System.err.println("SystemBench: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            bench.run();
        } catch (HarnessFailure e) {
            System.err.println("bench-system FAILED: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(logs);
        long begin = System.nanoTime();
        String machine = machine();
        if (!jmhClasspath.isEmpty()) {
            picker();
        }
        progress("starting the Polaris server");
        polaris = PolarisServer.start(serverScript, out.resolve("polaris-run"));
        List<ChildProcess> providers = new ArrayList<>();
        try {
            footprint();
            for (int i = 1; i <= 3; i++) {
                providers.add(startProvider("p" + i, SERVICE, true));
            }
            polaris.awaitHealthy(SERVICE, 3, START_TIMEOUT);
            perCall(providers);
            events(providers);
        } finally {
            for (ChildProcess provider : providers) {
                provider.sigterm();
            }
            for (ChildProcess provider : providers) {
                try {
                    provider.awaitExit(EXIT_TIMEOUT);
                } catch (HarnessFailure e) {
                    progress(e.getMessage());
                }
            }
            polaris.close();
        }
        startupRow();
        double minutes = (System.nanoTime() - begin) / 60e9;
        String report = "# System benchmark\n\n" + machine
                + String.format(Locale.ROOT, "- total run time: %.1f min; load average at the end: %.2f%n", minutes,
                Machine.loadAverage())
                + (command.isEmpty() ? "" : "\nCommand: `" + command + "`\n")
                + "\nSetup: one real Polaris server; three providers (" + TrafficProvider.class.getSimpleName()
                + ", a plain gRPC server app) with the agent, registered as `" + SERVICE + "`; consumers are fresh"
                + " client JVMs with the agent (`polaris://" + SERVICE + "`, `polaris.loadbalancer=round_robin` in"
                + " figure 2) or without it (gRPC `round_robin` over the same three addresses). Everything on"
                + " loopback; the machine is shared, so the load average is part of the result.\n"
                + "\n" + table.renderByFigure()
                + (misses.isEmpty() ? "\nEvery target is met in this run.\n"
                : "\nTargets missed in this run:\n\n" + misses.stream().map(m -> "- " + m + "\n")
                .collect(Collectors.joining()))
                + "\n## Details\n\n" + details;
        Files.createDirectories(reportFile.getParent());
        Files.writeString(reportFile, report, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(report);
        System.out.println("Written to " + reportFile + " (logs: " + logs + ")");
    }

    // ---- 2. per-call cost

    private enum Case {
        PLAIN("plain gRPC round_robin"), AGENT("agent, no rule"), RULE("agent, one routing rule"),
        /** Diagnostic: what call-outcome reporting to the circuit breaker costs. */
        NO_BREAKER("agent, no rule, circuit breaking off");

        final String label;

        Case(String label) {
            this.label = label;
        }
    }

    private void perCall(List<ChildProcess> providers) throws Exception {
        String addresses = providers.stream().map(p -> "127.0.0.1:" + port(p)).collect(Collectors.joining(","));
        Map<Case, List<Map<String, Long>>> results = new LinkedHashMap<>();
        for (Case c : Case.values()) {
            results.put(c, new ArrayList<>());
        }
        details.append("### 2. Per-call cost, each run\n\n")
                .append(String.format(Locale.ROOT, "Closed loop, %d calls outstanding, %d s warm-up, %d s measured;"
                        + " each run a fresh client JVM.%n%n", concurrency, warmup.toSeconds(), measure.toSeconds()))
                .append("| run | case | calls/s | p50 µs | p99 µs | p99.9 µs | max µs | client CPU µs/call | failed "
                        + "| spread | agent routing |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        progress("2: warming the providers up (one plain run, not counted)");
        closedLoop(Case.PLAIN, -1, addresses, Duration.ofSeconds(10), Duration.ofSeconds(2));
        for (int round = 0; round < rounds; round++) {
            List<Case> order = round % 2 == 0 ? List.of(Case.PLAIN, Case.AGENT, Case.RULE, Case.NO_BREAKER)
                    : List.of(Case.NO_BREAKER, Case.RULE, Case.AGENT, Case.PLAIN);
            for (Case c : order) {
                String ruleId = null;
                if (c == Case.RULE) {
                    ruleId = Rules.headerRouting(polaris.openApi(), SERVICE, "x-bench-canary", "yes", "v2", BASE_VERSION);
                    Thread.sleep(3000);
                }
                try {
                    results.get(c).add(closedLoop(c, round, addresses, warmup, measure));
                } finally {
                    if (ruleId != null) {
                        Rules.deleteRouting(polaris.openApi(), ruleId);
                        Thread.sleep(3000);
                    }
                }
            }
        }
        details.append('\n');
        Map<String, Long> plain = medians(results.get(Case.PLAIN));
        for (Case c : List.of(Case.AGENT, Case.RULE, Case.NO_BREAKER)) {
            Map<String, Long> with = medians(results.get(c));
            String figure = "2. Per-call (" + c.label + ")";
            if (c == Case.NO_BREAKER) {
                table.row(figure, "throughput, calls/s / p99 µs / client CPU µs per call (diagnostic)",
                        with.get("rps") + " / " + with.get("p99us") + " / " + micros(with.get("cpu-ns-per-call")),
                        plain.get("rps") + " / " + plain.get("p99us") + " / " + micros(plain.get("cpu-ns-per-call")),
                        ratio((double) with.get("rps") / plain.get("rps")) + " / "
                                + ratio((double) with.get("p99us") / plain.get("p99us")), "", "");
                continue;
            }
            double rpsRatio = (double) with.get("rps") / plain.get("rps");
            double p99Ratio = (double) with.get("p99us") / plain.get("p99us");
            table.row(figure, "throughput, calls/s (median of " + rounds + ")", str(with.get("rps")),
                    str(plain.get("rps")), ratio(rpsRatio), "≥ 0.97×", met(rpsRatio >= 0.97, figure + " throughput "
                            + ratio(rpsRatio) + " of plain gRPC"));
            table.row(figure, "throughput range over the runs, calls/s", range(results.get(c), "rps"),
                    range(results.get(Case.PLAIN), "rps"), "", "", "");
            table.row(figure, "p50 latency, µs", str(with.get("p50us")), str(plain.get("p50us")),
                    ratio((double) with.get("p50us") / plain.get("p50us")), "", "");
            table.row(figure, "p99 latency, µs", str(with.get("p99us")), str(plain.get("p99us")), ratio(p99Ratio),
                    "≤ 1.05×", met(p99Ratio <= 1.05, figure + " p99 " + ratio(p99Ratio) + " of plain gRPC"));
            table.row(figure, "client CPU per call, µs", micros(with.get("cpu-ns-per-call")),
                    micros(plain.get("cpu-ns-per-call")),
                    String.format(Locale.ROOT, "+%.1f µs", (with.get("cpu-ns-per-call")
                            - plain.get("cpu-ns-per-call")) / 1000.0), "", "");
        }
    }

    /** One run of {@link ClosedLoopClient}; round -1 is the providers' warm-up, reported as such. */
    private Map<String, Long> closedLoop(Case c, int round, String addresses, Duration warm, Duration measured)
            throws Exception {
        String name = "per-call-" + c.name().toLowerCase(Locale.ROOT) + "-" + (round < 0 ? "warmup" : round + 1);
        Map<String, String> props = new LinkedHashMap<>();
        props.put("polaris.service", "bench-client");
        props.put("polaris.loadbalancer", "round_robin");
        props.put("polaris.log.level", "debug");
        if (c == Case.NO_BREAKER) {
            props.put("polaris.circuitbreaker.enabled", "false");
        }
        String target = c == Case.PLAIN ? FixedAddresses.target(addresses) : "polaris://" + SERVICE;
        if (round >= 0) {
            progress("2: " + name + " (" + c.label + ")");
        }
        ChildProcess client = ChildProcess.start(name, command(c != Case.PLAIN, name, props, ClosedLoopClient.class,
                "--target=" + target, "--concurrency=" + concurrency, "--warmup=" + warm.toSeconds() + "s",
                "--measure=" + measured.toSeconds() + "s"), logs);
        try {
            String result = client.awaitLine(RESULT, START_TIMEOUT.plus(warm).plus(measured).plus(START_TIMEOUT))
                    .text();
            String spread = client.awaitLine(SPREAD, Duration.ofSeconds(10)).text();
            client.awaitExit(EXIT_TIMEOUT);
            Map<String, Long> values = new HashMap<>();
            for (String key : List.of("rps", "p50us", "p99us", "p999us", "maxus", "failed", "cpu-ns-per-call")) {
                values.put(key, ChildProcess.field(result, key));
            }
            String routing = "";
            if (c != Case.PLAIN) {
                List<String> modes = new ArrayList<>();
                Matcher m = ROUTING.matcher(client.stderr());
                while (m.find()) {
                    modes.add(m.group(1) + " " + (m.group(2).equals("per-call") ? "per-call" : "once"));
                }
                routing = modes.isEmpty() ? "?" : modes.get(modes.size() - 1);
                boolean perCall = routing.endsWith("per-call");
                if (perCall != (c == Case.RULE)) {
                    routing += " (UNEXPECTED)";
                    misses.add(name + ": the agent's routing was '" + routing + "', not what the case needs");
                }
            }
            details.append("| ").append(round < 0 ? "warm-up" : String.valueOf(round + 1)).append(" | ")
                    .append(c.label).append(" | ")
                    .append(values.get("rps")).append(" | ").append(values.get("p50us")).append(" | ")
                    .append(values.get("p99us")).append(" | ").append(values.get("p999us")).append(" | ")
                    .append(values.get("maxus")).append(" | ").append(micros(values.get("cpu-ns-per-call")))
                    .append(" | ").append(values.get("failed")).append(" | ")
                    .append(spread.substring("SPREAD".length()).trim()).append(" | ").append(routing).append(" |\n");
            return values;
        } finally {
            client.kill();
        }
    }

    // ---- picker (JMH)

    private void picker() throws Exception {
        progress("2: JMH PickerBenchmark (fork 1, 3 x 1 s warm-up, 5 x 1 s measured, -prof gc)");
        Path csv = out.resolve("jmh-picker.csv");
        ChildProcess jmh = ChildProcess.start("jmh-picker", List.of(java, "-cp", jmhClasspath, "org.openjdk.jmh.Main",
                "PickerBenchmark", "-f", "1", "-wi", "3", "-w", "1s", "-i", "5", "-r", "1s", "-prof", "gc",
                "-rf", "csv", "-rff", csv.toString()), logs);
        try {
            int exit = jmh.awaitExit(Duration.ofMinutes(5));
            if (exit != 0 || !Files.isRegularFile(csv)) {
                throw new HarnessFailure("JMH exited with " + exit + "; see " + logs.resolve("jmh-picker.out"));
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
            scores.put(bench + (param.isEmpty() ? "" : "/" + param),
                    new double[] {Double.parseDouble(cells[4]), Double.parseDouble(cells[5])});
        }
        details.append("### 2. Picker (JMH), every score\n\n| benchmark | score | ± 99.9% |\n|---|---|---|\n");
        scores.forEach((k, v) -> details.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f |%n", k, v[0], v[1])));
        details.append('\n');
        double[] grpcNs = scores.get("grpcRoundRobinPicker");
        double[] grpcBytes = scores.get("grpcRoundRobinPicker:gc.alloc.rate.norm");
        for (String policy : List.of("weighted_random", "round_robin")) {
            double[] ns = scores.get("polarisPicker/" + policy);
            double[] bytes = scores.get("polarisPicker:gc.alloc.rate.norm/" + policy);
            if (ns == null || bytes == null || grpcNs == null || grpcBytes == null) {
                throw new HarnessFailure("JMH results incomplete: " + scores.keySet());
            }
            String figure = "2. Picker alone (JMH, " + policy + ", no rule)";
            table.row(figure, "ns per pick", String.format(Locale.ROOT, "%.1f ± %.1f", ns[0], ns[1]),
                    String.format(Locale.ROOT, "%.1f (gRPC round_robin)", grpcNs[0]),
                    ratio(ns[0] / grpcNs[0]), "< 1000 ns", met(ns[0] < 1000, figure + " " + ns[0] + " ns"));
            table.row(figure, "bytes allocated per pick", String.format(Locale.ROOT, "%.2f", bytes[0]),
                    String.format(Locale.ROOT, "%.0f", grpcBytes[0]), "", "0 B",
                    met(bytes[0] < 0.5, figure + " allocates " + bytes[0] + " B per pick"));
        }
    }

    private static String unquote(String cell) {
        return cell.replace("\"", "").trim();
    }

    // ---- 3, 4, 5: convergence, rolling restart, crash

    private void events(List<ChildProcess> providers) throws Exception {
        progress("3-5: steady consumer at " + rate + " calls/s with the agent");
        Map<String, String> props = new LinkedHashMap<>();
        props.put("polaris.service", "bench-steady");
        props.put("polaris.log.level", "debug");
        ChildProcess consumer = ChildProcess.start("steady-consumer", command(true, "steady-consumer", props, SteadyClient.class,
                "--target=polaris://" + SERVICE, "--rate=" + rate, "--deadline=2s", "--max-duration=5m"), logs);
        List<Long> readyToFirst = new ArrayList<>();
        List<Long> termToLast = new ArrayList<>();
        List<Long> termToExit = new ArrayList<>();
        List<Long> registration = new ArrayList<>();
        try {
            for (ChildProcess provider : providers) {
                consumer.awaitLine(Pattern.compile("^SEEN name=" + provider.label() + " "), START_TIMEOUT);
            }
            Thread.sleep(3000);
            consumer.send("phase rolling");
            long rollingStart = WallClock.micros();
            for (int i = 0; i < providers.size(); i++) {
                ChildProcess old = providers.get(i);
                progress("4: rolling restart of " + old.label());
                long termAt = WallClock.micros();
                old.sigterm();
                ChildProcess replacement = startProvider(old.label().replaceAll("-.*", "") + "-r" + (i + 1), SERVICE, true);
                providers.set(i, replacement);
                long ready = ChildProcess.number(AT, replacement.awaitLine(READY, START_TIMEOUT).text());
                long first = ChildProcess.number(AT, replacement.awaitLine(FIRST_CALL, CONVERGE_TIMEOUT).text());
                readyToFirst.add(first - ready);
                registration.add(registrationMillis(replacement));
                String served = old.awaitLine(SERVED, EXIT_TIMEOUT).text();
                long stopped = ChildProcess.number(AT, old.awaitLine(STOPPED, EXIT_TIMEOUT).text());
                old.awaitExit(EXIT_TIMEOUT);
                termToLast.add(ChildProcess.field(served, "last-us") - termAt);
                termToExit.add(stopped - termAt);
            }
            long rollingEnd = WallClock.micros();
            Thread.sleep(3000);
            consumer.send("phase crash");
            Thread.sleep(3000);
            ChildProcess victim = providers.get(1);
            progress("5: SIGKILL of " + victim.label());
            victim.sigkill();
            long killAt = WallClock.micros();
            victim.awaitExit(Duration.ofSeconds(10));
            long goneAt = WallClock.micros();
            Thread.sleep(5000);
            ChildProcess replacement = startProvider(victim.label().replaceAll("-.*", "") + "-c", SERVICE, true);
            providers.set(1, replacement);
            long ready = ChildProcess.number(AT, replacement.awaitLine(READY, START_TIMEOUT).text());
            long crashReplacement = ChildProcess.number(AT, replacement.awaitLine(FIRST_CALL, CONVERGE_TIMEOUT).text()) - ready;
            registration.add(registrationMillis(replacement));
            Thread.sleep(2000);
            consumer.send("stop");
            consumer.awaitLine(Pattern.compile("^DONE"), Duration.ofSeconds(30));
            consumer.awaitExit(EXIT_TIMEOUT);

            String rolling = consumer.awaitLine(Pattern.compile("^PHASE name=rolling "), Duration.ZERO).text();
            String crash = consumer.awaitLine(Pattern.compile("^PHASE name=crash "), Duration.ZERO).text();
            List<long[]> failures = consumer.linesMatching(Pattern.compile("^FAILED ")).stream()
                    .map(l -> new long[] {ChildProcess.field(l.text(), "start-us"), ChildProcess.field(l.text(), "end-us")})
                    .toList();
            convergenceRows(readyToFirst, crashReplacement, termToLast, termToExit);
            rollingRows(rolling, failures, rollingStart, rollingEnd);
            crashRows(crash, failures, killAt, goneAt, crashReplacement);
            details.append("### 3-5. Events\n\n")
                    .append("- READY → first call of each replacement in the rolling restart (ms): ")
                    .append(millisList(readyToFirst)).append("; after the crash: ").append(crashReplacement / 1000)
                    .append("\n- of which start() → registered in Polaris (the agent's own log line, ms): ")
                    .append(registration.stream().map(String::valueOf).collect(Collectors.joining(", ")))
                    .append("\n- SIGTERM → last call served (ms): ").append(millisList(termToLast))
                    .append("\n- SIGTERM → process exit (ms): ").append(millisList(termToExit))
                    .append("\n- consumer phases: `").append(rolling).append("`, `").append(crash).append("`\n")
                    .append("- failed calls (start, end relative to the SIGKILL, ms): ")
                    .append(failures.isEmpty() ? "none" : failures.stream().map(f -> String.format(Locale.ROOT,
                            "%+.1f..%+.1f", (f[0] - killAt) / 1000.0, (f[1] - killAt) / 1000.0))
                            .collect(Collectors.joining(", ")))
                    .append("\n\n");
        } finally {
            consumer.kill();
        }
    }

    /** The agent's {@code registered ... N ms after start} line of a provider; -1 if it has not logged it. */
    private static long registrationMillis(ChildProcess provider) {
        Matcher matcher = REGISTERED.matcher(provider.stderr());
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    }

    private void convergenceRows(List<Long> readyToFirst, long crashReplacement, List<Long> termToLast,
            List<Long> termToExit) {
        List<Long> all = new ArrayList<>(readyToFirst);
        all.add(crashReplacement);
        long median = median(all);
        long max = all.stream().mapToLong(Long::longValue).max().orElse(0);
        table.row("3. Convergence", "new provider: start() → its first call, ms (median / max of " + all.size() + ")",
                median / 1000 + " / " + max / 1000, "", "", "≤ 3000 ms",
                met(max <= 3_000_000, "a new provider was first called " + max / 1000 + " ms after start()"));
        table.row("3. Convergence", "provider SIGTERM → its last call, ms (median / max of " + termToLast.size() + ")",
                median(termToLast) / 1000 + " / " + termToLast.stream().mapToLong(Long::longValue).max().orElse(0)
                        / 1000, "", "", "none (below the 4000 ms drain = consumers left first)", "");
        table.row("3. Convergence", "provider SIGTERM → process exit, ms (median)", median(termToExit) / 1000 + "",
                "", "", "", "");
    }

    private void rollingRows(String phase, List<long[]> failures, long from, long until) {
        long failed = ChildProcess.field(phase, "failed");
        long inWindow = failures.stream().filter(f -> f[1] >= from && f[1] <= until).count();
        table.row("4. Rolling restart (3 providers, " + str((long) rate) + " calls/s)",
                "failed calls (of " + ChildProcess.field(phase, "sent") + ")", str(failed), "", "", "0",
                met(failed == 0, "rolling restart: " + failed + " failed calls"));
        table.row("4. Rolling restart", "worst / p99 latency, ms", ms(ChildProcess.field(phase, "maxus")) + " / "
                + ms(ChildProcess.field(phase, "p99us")), "", "", "", "");
        if (inWindow != failed) {
            details.append("Note: ").append(failed - inWindow)
                    .append(" failed calls of the rolling phase ended after the last restart.\n\n");
        }
    }

    /**
     * A call counts as in flight at the crash if it started before the killed process was reaped: until then
     * the process may still hold its sockets open (a JVM takes some milliseconds to die).
     */
    private void crashRows(String phase, List<long[]> failures, long killAt, long goneAt, long replacementMicros) {
        long failed = ChildProcess.field(phase, "failed");
        List<long[]> crashFailures = failures.stream().filter(f -> f[1] >= killAt - 1_000_000).toList();
        long startedAfter = crashFailures.stream().filter(f -> f[0] > goneAt).count();
        long lastEnd = crashFailures.stream().mapToLong(f -> f[1]).max().orElse(killAt);
        table.row("5. Crash (SIGKILL of 1 of 3)", "failed calls (of them started after the process was gone)",
                failed + " (" + startedAfter + ")", "", "", "only in-flight (0 started after)",
                met(startedAfter == 0, "after the SIGKILL " + startedAfter + " calls that started later failed"));
        details.append(String.format(Locale.ROOT, "SIGKILL sent → process reaped: %.1f ms.%n%n",
                (goneAt - killAt) / 1000.0));
        table.row("5. Crash", "SIGKILL → last failed call ended, ms", crashFailures.isEmpty() ? "no failure"
                : String.format(Locale.ROOT, "%.1f", (lastEnd - killAt) / 1000.0), "", "", "", "");
        table.row("5. Crash", "worst latency in the crash phase, ms", ms(ChildProcess.field(phase, "maxus")), "", "", "", "");
        table.row("5. Crash", "replacement: start() → its first call, ms", str(replacementMicros / 1000), "", "",
                "≤ 3000 ms", met(replacementMicros <= 3_000_000, "the crash replacement was first called "
                        + replacementMicros / 1000 + " ms after start()"));
    }

    // ---- 6. footprint

    private void footprint() throws Exception {
        progress("6: footprint (idle provider, consumer at 1 call/s; with and without the agent)");
        ChildProcess agentProvider = startProvider("fp-provider-agent", "footprint", true);
        ChildProcess plainProvider = startProvider("fp-provider-plain", "footprint", false);
        List<ChildProcess> all = new ArrayList<>(List.of(agentProvider, plainProvider));
        try {
            Map<String, String> props = Map.of("polaris.service", "footprint-consumer");
            ChildProcess agentConsumer = ChildProcess.start("fp-consumer-agent", command(true, "fp-consumer-agent", props,
                    SteadyClient.class, "--target=polaris://footprint", "--rate=1", "--max-duration=3m"), logs);
            all.add(agentConsumer);
            ChildProcess plainConsumer = ChildProcess.start("fp-consumer-plain", command(false, "fp-consumer-plain", props,
                    SteadyClient.class, "--target=" + FixedAddresses.target("127.0.0.1:" + port(plainProvider)),
                    "--rate=1", "--max-duration=3m"), logs);
            all.add(plainConsumer);
            agentConsumer.awaitLine(Pattern.compile("^SEEN "), START_TIMEOUT);
            plainConsumer.awaitLine(Pattern.compile("^SEEN "), START_TIMEOUT);
            Thread.sleep(10_000);
            Footprint providerWith = Footprint.of(agentProvider.pid(), logs, agentProvider.name());
            Footprint providerWithout = Footprint.of(plainProvider.pid(), logs, plainProvider.name());
            Footprint consumerWith = Footprint.of(agentConsumer.pid(), logs, agentConsumer.name());
            Footprint consumerWithout = Footprint.of(plainConsumer.pid(), logs, plainConsumer.name());
            table.row("6. Footprint", "agent jar, MB", String.format(Locale.ROOT, "%.1f", Files.size(agent) / 1e6),
                    "", "", "", "");
            footprintRows("provider (idle)", providerWith, providerWithout);
            footprintRows("consumer (1 call/s)", consumerWith, consumerWithout);
            agentConsumer.send("stop");
            plainConsumer.send("stop");
        } finally {
            for (ChildProcess child : all) {
                child.sigterm();
            }
            for (ChildProcess child : all) {
                try {
                    child.awaitExit(EXIT_TIMEOUT);
                } catch (HarnessFailure e) {
                    progress(e.getMessage());
                }
            }
        }
    }

    private void footprintRows(String app, Footprint with, Footprint without) {
        String figure = "6. Footprint, " + app;
        long rssDelta = with.rssKb() - without.rssKb();
        int threadDelta = with.threads() - without.threads();
        table.row(figure, "resident memory (RSS) after GC, MB", mb(with.rssKb()), mb(without.rssKb()),
                "+" + mb(rssDelta), "≤ +64 MB", met(rssDelta <= 64 * 1024, app + " RSS +" + mb(rssDelta) + " MB"));
        table.row(figure, "heap used after GC, MB", mb(with.heapKb()), mb(without.heapKb()),
                "+" + mb(with.heapKb() - without.heapKb()), "", "");
        table.row(figure, "metaspace used, MB", mb(with.metaspaceKb()), mb(without.metaspaceKb()),
                "+" + mb(with.metaspaceKb() - without.metaspaceKb()), "", "");
        table.row(figure, "threads", str(with.threads()), str(without.threads()), String.format("%+d", threadDelta),
                "≤ +4", met(threadDelta <= 4, app + " has " + threadDelta + " more threads with the agent"));
        details.append("### 6. Threads only with the agent, ").append(app).append("\n\n")
                .append(extraThreads(with.threadNames(), without.threadNames())).append("\n\n");
    }

    /** Thread names (digits folded) that the agent's JVM has more of than the plain one, with counts. */
    private static String extraThreads(List<String> with, List<String> without) {
        Map<String, Integer> counts = new TreeMap<>();
        with.forEach(n -> counts.merge(n.replaceAll("\\d+", "N"), 1, Integer::sum));
        without.forEach(n -> counts.merge(n.replaceAll("\\d+", "N"), -1, Integer::sum));
        String extra = counts.entrySet().stream().filter(e -> e.getValue() != 0)
                .map(e -> "`" + e.getKey() + "` " + String.format("%+d", e.getValue()))
                .collect(Collectors.joining(", "));
        return extra.isEmpty() ? "none" : extra;
    }

    private void startupRow() {
        table.row("1. Startup", "JVM launch → first successful RPC", "see bench.sh (BENCHMARKS.md)", "", "",
                "≤ +250 ms", "");
    }

    // ---- processes

    private ChildProcess startProvider(String name, String service, boolean withAgent) throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("polaris.service", service);
        props.put("polaris.metadata.version", BASE_VERSION);
        String logName = "provider-" + name + "-" + (++providerSerial);
        ChildProcess provider = ChildProcess.start(logName, command(withAgent, logName, props, TrafficProvider.class,
                "--name=" + name, "--max-lifetime=15m"), logs);
        provider.awaitLine(READY, START_TIMEOUT);
        return provider.labelled(name);
    }

    /** The command of a child JVM; with the agent it talks to this run's Polaris server and logs into the run. */
    private List<String> command(boolean withAgent, String name, Map<String, String> agentProps, Class<?> main,
            String... args) {
        List<String> command = new ArrayList<>(List.of(java));
        if (withAgent) {
            command.add("-javaagent:" + agent);
            command.add("-Dpolaris.address=" + polaris.grpcAddress());
            command.add("-Dpolaris.log.sdk.file=" + logs.resolve("sdk-" + name + ".log"));
            agentProps.forEach((k, v) -> command.add("-D" + k + "=" + v));
        }
        command.addAll(List.of("-cp", classPath, main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    private static int port(ChildProcess provider) {
        return (int) ChildProcess.number(PORT, provider.awaitLine(READY, Duration.ZERO).text());
    }

    // ---- helpers

    private String met(boolean met, String miss) {
        if (!met) {
            misses.add(miss);
        }
        return met ? "yes" : "**no**";
    }

    private static Map<String, Long> medians(List<Map<String, Long>> runs) {
        Map<String, Long> medians = new HashMap<>();
        for (String key : runs.get(0).keySet()) {
            medians.put(key, median(runs.stream().map(r -> r.get(key)).toList()));
        }
        return medians;
    }

    private static String range(List<Map<String, Long>> runs, String key) {
        return runs.stream().mapToLong(r -> r.get(key)).min().orElse(0) + "–"
                + runs.stream().mapToLong(r -> r.get(key)).max().orElse(0);
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String millisList(List<Long> micros) {
        return micros.stream().map(m -> String.valueOf(m / 1000)).collect(Collectors.joining(", "));
    }

    private static String ratio(double value) {
        return String.format(Locale.ROOT, "%.3f×", value);
    }

    private static String str(long value) {
        return String.valueOf(value);
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1000.0);
    }

    private static String ms(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
    }

    private static String mb(long kb) {
        return String.format(Locale.ROOT, "%.1f", kb / 1024.0);
    }

    private String machine() throws IOException {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("date", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")));
        Machine.addFacts(facts);
        facts.put("load average at the start", String.format(Locale.ROOT, "%.2f", Machine.loadAverage()));
        if (!note.isEmpty()) {
            facts.put("note", note);
        }
        return Machine.bullets(facts);
    }

    private static void progress(String message) {
        System.out.println("bench-system: " + message);
        System.out.flush();
    }
}
