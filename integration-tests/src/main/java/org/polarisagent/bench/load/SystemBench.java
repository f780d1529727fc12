package org.polarisagent.bench.load;

import static org.polarisagent.bench.load.Numbers.mb;
import static org.polarisagent.bench.load.Numbers.ratio;
import static org.polarisagent.bench.load.Numbers.str;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.polarisagent.testing.ChildProcess;
import org.polarisagent.testing.Flags;
import org.polarisagent.testing.LineValues;
import org.polarisagent.testing.Machine;
import org.polarisagent.testing.MarkdownTable;
import org.polarisagent.testing.PolarisServer;
import org.polarisagent.testing.Program;

/**
 * Runs the system benchmarks of the agent against a real Polaris server on loopback, each figure
 * next to its baseline measured in the same run, and prints one Markdown table (also written to
 * {@code <report>}):
 *
 * <ul>
 *   <li><b>2. Per-call cost.</b> {@link ClosedLoopClient} against three {@link TrafficProvider}s:
 *       with the agent ({@code polaris://echo}, Polaris balancer, no rule), without it (plain gRPC
 *       {@code round_robin} over the same three addresses, {@link FixedAddresses}), with the agent
 *       while one header routing rule is active, and (a diagnostic) with the agent but without
 *       circuit breaking, which reports every call's outcome. The cases alternate, each in a fresh
 *       JVM, {@code --rounds} times; medians are reported. Plus the JMH picker benchmark ({@code
 *       PickerBenchmark}), if {@code --jmh-classpath} is given.
 *   <li><b>3-5. Convergence, rolling restart, crash.</b> One {@link SteadyClient} with the agent
 *       calls at {@code --rate} while the three providers are restarted one by one (SIGTERM, start
 *       a replacement, wait until it is called and the old one has exited), then one is SIGKILLed
 *       and replaced.
 *   <li><b>6. Footprint.</b> An idle provider and a consumer making one call per second, each with
 *       and without the agent: threads, resident memory, heap and metaspace after a full GC.
 *   <li><b>7. Scale.</b> Services of thousands of instances, most unreachable, and subsetting over
 *       200 real instances ({@link ScaleFigure}).
 *   <li><b>8. Provider rate limiting.</b> A plain client against a provider without the agent, with
 *       it, and with it under a rate-limit rule ({@link RateLimitFigure}).
 * </ul>
 *
 * <p>Flags: {@code --agent=JAR --server-script=polaris-server.sh --out=DIR --report=FILE}
 * (required), {@code --jmh-classpath=CP}, {@code --rounds=3 --warmup=20s --measure=10s
 * --concurrency=16 --rate=200}, {@code --app-jvm-options="-XX:MetaspaceSize=64m ..."} (given to
 * every application JVM, with the agent and without), {@code --command=TEXT} (the command line, for
 * the report), {@code --note=TEXT}, {@code --figures=2,3,6,7,8} (which to run; 3 stands for 3 to
 * 5). ChildProcess JVMs use this JVM's {@code java} and class path. Every process is bounded in
 * time and stopped at the end, also on failure.
 */
public final class SystemBench {

  static final Pattern READY = Pattern.compile("^READY ");
  static final Pattern FIRST_CALL = Pattern.compile("^FIRST_CALL ");
  static final Pattern SERVED = Pattern.compile("^SERVED ");
  static final Pattern STOPPED = Pattern.compile("^STOPPED ");
  static final Pattern RESULT = Pattern.compile("^RESULT ");
  static final Pattern SPREAD = Pattern.compile("^SPREAD");
  static final Pattern AT = Pattern.compile("at-us=(\\d+)");
  static final Pattern PORT = Pattern.compile("port=(\\d+)");
  static final Pattern REGISTERED =
      Pattern.compile("registered gRPC server .* (\\d+) ms after start");
  static final Pattern ROUTING =
      Pattern.compile("resolved to (\\d+) instance\\(s\\), routing (\\S+)");
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(30);
  static final Duration EXIT_TIMEOUT = Duration.ofSeconds(40);
  static final String SERVICE = "echo";
  static final String BASE_VERSION = "v1";

  final Path agent;
  private final Path serverScript;
  final Path out;
  final Path logs;
  private final Path reportFile;
  final String jmhClasspath;
  final int rounds;

  /**
   * Load before each closed-loop measurement (20 s by default): a fresh client JVM's JIT compilers
   * still take about a third of its CPU 12 s in, and over 5 s plain gRPC alone ranged from 3,615 to
   * 8,874 calls/s in one run (12,041 to 13,132 after 20 s; BENCHMARKS.md).
   */
  final Duration warmup;

  final Duration measure;
  final int concurrency;

  /** JVM options of every application JVM, with the agent and without it (--app-jvm-options). */
  private final List<String> appJvmOptions;

  final double rate;
  private final String command;
  private final String note;

  /** The figures to run: 2 (with JMH), 3 (3 to 5), 6, 7, 8. */
  private final Set<String> figures;

  final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  final String classPath = System.getProperty("java.class.path");
  final MarkdownTable table =
      new MarkdownTable(
          "Figure", "Measure", "With agent", "Baseline", "Agent vs baseline", "Target", "Met");
  final StringBuilder details = new StringBuilder();
  final List<String> misses = new ArrayList<>();
  PolarisServer polaris;
  private int providerSerial;

  private SystemBench(Flags flags) {
    agent = Paths.get(flags.required("agent")).toAbsolutePath();
    serverScript = Paths.get(flags.required("server-script")).toAbsolutePath();
    out = Paths.get(flags.required("out")).toAbsolutePath();
    logs = out.resolve("logs");
    reportFile = Paths.get(flags.required("report")).toAbsolutePath();
    jmhClasspath = flags.string("jmh-classpath", "");
    rounds = flags.integer("rounds", 3);
    warmup = flags.duration("warmup", Duration.ofSeconds(20));
    measure = flags.duration("measure", Duration.ofSeconds(10));
    concurrency = flags.integer("concurrency", 16);
    appJvmOptions = new ArrayList<>();
    for (String option : flags.string("app-jvm-options", "").trim().split("\\s+")) {
      if (!option.isEmpty()) {
        appJvmOptions.add(option);
      }
    }
    rate = flags.number("rate", 200);
    command = flags.string("command", "");
    note = flags.string("note", "");
    figures = Set.of(flags.string("figures", "2,3,6,7,8").split(","));
    if (!Files.isRegularFile(agent) || !Files.isRegularFile(serverScript)) {
      throw new IllegalArgumentException("--agent and --server-script must name existing files");
    }
    if (rounds < 1 || concurrency < 1 || rate <= 0) {
      throw new IllegalArgumentException("--rounds, --concurrency and --rate must be positive");
    }
  }

  public static void main(String[] args) throws Exception {
    Program.main(
        SystemBench.class,
        "bench-system",
        args,
        Set.of(
            "agent",
            "server-script",
            "out",
            "report",
            "jmh-classpath",
            "rounds",
            "warmup",
            "measure",
            "concurrency",
            "app-jvm-options",
            "rate",
            "command",
            "note",
            "figures"),
        flags -> new SystemBench(flags)::run);
  }

  private void run() throws Exception {
    Files.createDirectories(logs);
    long begin = System.nanoTime();
    String machine = machine();
    if (!jmhClasspath.isEmpty() && figures.contains("2")) {
      new PerCallFigure(this).picker();
    }
    progress("starting the Polaris server");
    polaris = PolarisServer.start(serverScript, out.resolve("polaris-run"));
    List<ChildProcess> providers = new ArrayList<>();
    try {
      if (figures.contains("6")) {
        new FootprintFigure(this).footprint();
      }
      if (figures.contains("2") || figures.contains("3")) {
        for (int i = 1; i <= 3; i++) {
          providers.add(startProvider("p" + i, SERVICE, true));
        }
        polaris.awaitHealthy(SERVICE, 3, START_TIMEOUT);
      }
      if (figures.contains("2")) {
        new PerCallFigure(this).perCall(providers);
      }
      if (figures.contains("3")) {
        new EventFigures(this).events(providers);
      }
      if (figures.contains("7")) {
        new ScaleFigure(this).scale();
      }
      if (figures.contains("8")) {
        new RateLimitFigure(this).rateLimit();
      }
    } finally {
      ChildProcess.stopAll(providers, EXIT_TIMEOUT).forEach(SystemBench::progress);
      polaris.close();
    }
    startupRow();
    double minutes = (System.nanoTime() - begin) / 60e9;
    String report =
        "# System benchmark\n\n"
            + machine
            + String.format(
                Locale.ROOT,
                "- total run time: %.1f min; load average at the end: %.2f%n",
                minutes,
                Machine.loadAverage())
            + (command.isEmpty() ? "" : "\nCommand: `" + command + "`\n")
            + "\nSetup: one real Polaris server; three providers ("
            + TrafficProvider.class.getSimpleName()
            + ", a plain gRPC server app) with the agent, registered as `"
            + SERVICE
            + "`; consumers are fresh"
            + " client JVMs with the agent (`polaris://"
            + SERVICE
            + "`, `polaris.loadbalancer=round_robin` in"
            + " figure 2) or without it (gRPC `round_robin` over the same three addresses). Everything on"
            + " loopback; the machine is shared, so the load average is part of the result.\n"
            + "\n"
            + table.renderByFigure()
            + (misses.isEmpty()
                ? "\nEvery target is met in this run.\n"
                : "\nTargets missed in this run:\n\n"
                    + misses.stream().map(m -> "- " + m + "\n").collect(Collectors.joining()))
            + "\n## Details\n\n"
            + details;
    Files.createDirectories(reportFile.getParent());
    Files.writeString(reportFile, report, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(report);
    System.out.println("Written to " + reportFile + " (logs: " + logs + ")");
  }

  private void startupRow() {
    table.row(
        "1. Startup",
        "JVM launch → first successful RPC",
        "see bench.sh (BENCHMARKS.md)",
        "",
        "",
        "≤ +250 ms",
        "");
  }

  // ---- processes

  ChildProcess startProvider(String name, String service, boolean withAgent) throws Exception {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("polaris.service", service);
    props.put("polaris.metadata.version", BASE_VERSION);
    String logName = "provider-" + name + "-" + (++providerSerial);
    ChildProcess provider =
        start(
            withAgent,
            logName,
            props,
            TrafficProvider.class,
            "--name=" + name,
            "--max-lifetime=15m");
    provider.awaitLine(READY, START_TIMEOUT);
    return provider.labelled(name);
  }

  /**
   * Starts a child JVM running {@code main} with output files named after {@code name} in this
   * run's logs; with the agent it talks to this run's Polaris server and logs into the run.
   */
  ChildProcess start(
      boolean withAgent, String name, Map<String, String> agentProps, Class<?> main, String... args)
      throws IOException {
    return ChildProcess.start(name, command(withAgent, name, agentProps, main, args), logs);
  }

  private List<String> command(
      boolean withAgent,
      String name,
      Map<String, String> agentProps,
      Class<?> main,
      String... args) {
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(appJvmOptions);
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

  static int port(ChildProcess provider) {
    return (int) LineValues.number(PORT, provider.awaitLine(READY, Duration.ZERO).text());
  }

  // ---- helpers

  /** A row of sizes in kB, shown in MB with the agent, without and the difference; no target. */
  void megabytesRow(String figure, String measure, long withKb, long withoutKb) {
    table.row(figure, measure, mb(withKb), mb(withoutKb), "+" + mb(withKb - withoutKb), "", "");
  }

  /** A row of durations in ms with the agent, without and the difference; no target. */
  void millisRow(String figure, String measure, long with, long without) {
    table.row(
        figure,
        measure,
        str(with),
        str(without),
        String.format(Locale.ROOT, "%+d ms", with - without),
        "",
        "");
  }

  /** A row of values with the agent and without, compared as a ratio; no target. */
  void ratioRow(String figure, String measure, double with, double without, String format) {
    table.row(
        figure,
        measure,
        String.format(Locale.ROOT, format, with),
        String.format(Locale.ROOT, format, without),
        ratio(with / without),
        "",
        "");
  }

  /**
   * Adds a throughput row, calls/s with the agent against {@code baseline}, judged against {@code
   * atLeast} (a ratio) unless it is null.
   */
  void throughputRow(
      String figure, String measure, long with, long without, Double atLeast, String baseline) {
    double ratio = (double) with / without;
    table.row(
        figure,
        measure,
        str(with),
        str(without),
        ratio(ratio),
        atLeast == null ? "" : String.format(Locale.ROOT, "≥ %.2f×", atLeast),
        atLeast == null
            ? ""
            : met(ratio >= atLeast, figure + " throughput " + ratio(ratio) + " of " + baseline));
  }

  /** Adds a row of a value with the agent and one without, not compared. */
  void pairRow(String figure, String measure, String withAgent, String withoutAgent) {
    table.row(figure, measure, withAgent, withoutAgent, "", "", "");
  }

  /** Adds a row with only the value measured with the agent: no baseline, no target. */
  void valueRow(String figure, String measure, String withAgent) {
    table.row(figure, measure, withAgent, "", "", "", "");
  }

  String met(boolean met, String miss) {
    if (!met) {
      misses.add(miss);
    }
    return met ? "yes" : "**no**";
  }

  private String machine() throws IOException {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("date", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")));
    Machine.addFacts(facts);
    facts.put(
        "load average at the start", String.format(Locale.ROOT, "%.2f", Machine.loadAverage()));
    if (!note.isEmpty()) {
      facts.put("note", note);
    }
    return Machine.bullets(facts);
  }

  static void progress(String message) {
    System.out.println("bench-system: " + message);
    System.out.flush();
  }
}
