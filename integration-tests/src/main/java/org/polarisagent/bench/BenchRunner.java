package org.polarisagent.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.ChildProcess;
import org.polarisagent.testing.Flags;
import org.polarisagent.testing.FreePorts;
import org.polarisagent.testing.HarnessFailure;
import org.polarisagent.testing.LineValues;
import org.polarisagent.testing.Machine;
import org.polarisagent.testing.MarkdownTable;
import org.polarisagent.testing.PolarisServer;
import org.polarisagent.testing.Program;

/**
 * Runs the startup benchmarks of the agent and prints their tables (Markdown), also written to
 * {@code <out>/report.md} with every raw measurement in {@code <out>/raw.txt}.
 *
 * <ul>
 *   <li><b>A. JVM start to main.</b> {@link StartupProbe} without and with the agent, alternating.
 *       The agent points at a loopback port where no server listens, so only its startup cost is
 *       measured. The agent's own {@code premain done in N ms} debug line gives the premain time
 *       alone.
 *   <li><b>B. Launch to first successful call.</b> {@link FirstCall} against one {@link
 *       EchoProvider} registered in a real Polaris server: with the agent through {@code
 *       polaris://echo}; without the agent to the provider's address; and with the agent to that
 *       address (the agent's cost without discovery). The cases take turns. Measured from just
 *       before the process is launched to the moment its success line is read.
 * </ul>
 *
 * <p>Flags: {@code --agent=JAR --server-script=polaris-server.sh --out=DIR} (required), {@code
 * --startup-runs=15}, {@code --first-call-runs=10}, {@code --warmup=1} (runs per case that are
 * discarded), {@code --note=TEXT} (a line for the report, e.g. the commit). Child JVMs use this
 * JVM's {@code java} and class path. Everything runs on loopback; every process started is stopped,
 * also when the run fails or is interrupted.
 */
public final class BenchRunner {

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(60);
  static final Duration FIRST_CALL_TIMEOUT = Duration.ofSeconds(60);
  static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration PROVIDER_START_TIMEOUT = Duration.ofSeconds(90);
  private static final Pattern PROBE = Pattern.compile("^PROBE ");
  private static final Pattern UPTIME = Pattern.compile("uptime-us=(-?\\d+)");
  static final Pattern MAIN_NANOS = Pattern.compile("main-nanotime=(-?\\d+)");
  static final Pattern OK_NANOS = Pattern.compile("ok-nanotime=(-?\\d+)");
  static final Pattern FAILURES = Pattern.compile("failures=(\\d+)");
  static final Pattern PREMAIN = Pattern.compile("premain done in (\\d+) ms");
  static final Pattern SDK_STARTED = Pattern.compile("Polaris SDK started in (\\d+) ms");
  static final Pattern FIRST = Pattern.compile("^FIRST_(OK|FAILED) ");
  private static final Pattern READY_PORT = Pattern.compile("^READY port=(\\d+)");

  final Path agent;
  private final Path serverScript;
  private final Path out;
  private final int startupRuns;
  private final int firstCallRuns;
  private final int warmup;
  private final String note;
  final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  final String classPath = System.getProperty("java.class.path");
  private final StringBuilder raw = new StringBuilder();
  private boolean clocksShared = true;

  private BenchRunner(Flags flags) {
    agent = Paths.get(flags.required("agent")).toAbsolutePath();
    serverScript = Paths.get(flags.required("server-script")).toAbsolutePath();
    out = Paths.get(flags.required("out")).toAbsolutePath();
    startupRuns = flags.positive("startup-runs", 15);
    firstCallRuns = flags.positive("first-call-runs", 10);
    warmup = flags.integer("warmup", 1);
    note = flags.string("note", "");
    if (!Files.isRegularFile(agent)) {
      throw new IllegalArgumentException("--agent=" + agent + ": no such file");
    }
    if (!Files.isRegularFile(serverScript)) {
      throw new IllegalArgumentException("--server-script=" + serverScript + ": no such file");
    }
  }

  public static void main(String[] args) throws Exception {
    Program.main(
        BenchRunner.class,
        "bench",
        args,
        Set.of(
            "agent", "server-script", "out", "startup-runs", "first-call-runs", "warmup", "note"),
        flags -> new BenchRunner(flags)::run);
  }

  private void run() throws Exception {
    Files.createDirectories(out);
    long begin = System.nanoTime();
    String machine = machine();
    String tableA = startupToMain();
    String tableB = launchToFirstCall();
    String report =
        "# Startup benchmark\n\n"
            + machine
            + "\n"
            + "## A. JVM start to main entry (ms)\n\n"
            + tableA
            + "\n"
            + "## B. Process launch to first successful RPC (ms)\n\n"
            + tableB
            + "\n"
            + String.format(
                Locale.ROOT,
                "Total run time %.0f s; system load average at the end %.2f.%n",
                (System.nanoTime() - begin) / 1e9,
                Machine.loadAverage());
    Files.writeString(out.resolve("report.md"), report, StandardCharsets.UTF_8);
    Files.writeString(out.resolve("raw.txt"), raw.toString(), StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(report);
    System.out.println(
        "Written to " + out.resolve("report.md") + " (raw values: raw.txt, logs: logs/)");
  }

  // ---- A

  private String startupToMain() throws Exception {
    String deadAddress = "127.0.0.1:" + FreePorts.pick();
    Samples plainUptime = new Samples();
    Samples agentUptime = new Samples();
    Samples plainLaunch = new Samples();
    Samples agentLaunch = new Samples();
    Samples premain = new Samples();
    progress(
        "A: StartupProbe, "
            + warmup
            + " warm-up + "
            + startupRuns
            + " runs each, without/with the agent"
            + " (agent pointed at "
            + deadAddress
            + ", where nothing listens)");
    for (int i = 0; i < warmup + startupRuns; i++) {
      boolean counted = i >= warmup;
      for (boolean withAgent :
          i % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
        List<String> command = new ArrayList<>(List.of(java));
        if (withAgent) {
          command.addAll(
              List.of(
                  "-javaagent:" + agent,
                  "-Dpolaris.address=" + deadAddress,
                  "-Dpolaris.log.level=debug",
                  sdkLog("startup")));
        }
        command.addAll(List.of("-cp", classPath, StartupProbe.class.getName()));
        String name = "startup-" + (withAgent ? "agent" : "plain") + "-" + i;
        try (ChildProcess probe = launch(name, command)) {
          ChildProcess.Line line = probe.awaitLine(PROBE, PROBE_TIMEOUT);
          int exit = probe.awaitExit(EXIT_TIMEOUT);
          if (exit != 0) {
            throw new HarnessFailure(
                name + " exited with " + exit + "; see " + out.resolve("logs"));
          }
          if (!counted) {
            continue;
          }
          double uptime = Long.parseLong(LineValues.group(UPTIME, line.text())) / 1000.0;
          Double launch =
              sinceLaunch(probe, Long.parseLong(LineValues.group(MAIN_NANOS, line.text())));
          (withAgent ? agentUptime : plainUptime).add(uptime);
          if (launch != null) {
            (withAgent ? agentLaunch : plainLaunch).add(launch);
          }
          if (withAgent) {
            String millis = LineValues.group(PREMAIN, probe.stderr());
            if (millis == null) {
              throw new HarnessFailure(
                  name + ": no 'premain done in N ms' line on stderr; see " + out.resolve("logs"));
            }
            premain.add(Double.parseDouble(millis));
          }
        }
      }
    }
    rawLine("A uptime-at-main plain", plainUptime);
    rawLine("A uptime-at-main agent", agentUptime);
    rawLine("A launch-to-main plain", plainLaunch);
    rawLine("A launch-to-main agent", agentLaunch);
    rawLine("A premain agent", premain);

    MarkdownTable table = new MarkdownTable("case", "runs", "median", "p90", "min", "max");
    samplesRow(table, "JVM uptime at main entry, no agent", plainUptime);
    samplesRow(table, "JVM uptime at main entry, with agent", agentUptime);
    differenceRow(table, "**agent adds** (with − without)", agentUptime, plainUptime);
    samplesRow(table, "premain alone (agent's own debug line)", premain);
    if (clocksShared && !plainLaunch.isEmpty() && !agentLaunch.isEmpty()) {
      samplesRow(table, "process launch → main, no agent", plainLaunch);
      samplesRow(table, "process launch → main, with agent", agentLaunch);
      differenceRow(table, "agent adds, by the launcher's clock", agentLaunch, plainLaunch);
    }
    return table.render();
  }

  // ---- B

  private String launchToFirstCall() throws Exception {
    progress("B: starting the Polaris server and one EchoProvider with the agent (service echo)");
    try (PolarisServer server = PolarisServer.start(serverScript, out.resolve("polaris"));
        ChildProcess provider =
            launch(
                "provider",
                List.of(
                    java,
                    "-javaagent:" + agent,
                    "-Dpolaris.address=" + server.grpcAddress(),
                    "-Dpolaris.service=echo",
                    sdkLog("provider"),
                    "-cp",
                    classPath,
                    EchoProvider.class.getName(),
                    "--name=bench-provider",
                    "--max-lifetime=30m"))) {
      ChildProcess.Line ready = provider.awaitLine(READY_PORT, PROVIDER_START_TIMEOUT);
      String port = LineValues.group(READY_PORT, ready.text());
      server.awaitHealthy("echo", 1, PROVIDER_START_TIMEOUT);
      String staticTarget = "127.0.0.1:" + port;

      List<FirstCallCase> cases =
          List.of(
              new FirstCallCase(this, "no agent, static 127.0.0.1:port", false, staticTarget),
              new FirstCallCase(this, "with agent, polaris://echo", true, "polaris://echo"),
              new FirstCallCase(
                  this,
                  "with agent, static 127.0.0.1:port (app never uses Polaris)",
                  true,
                  staticTarget));
      progress(
          "B: FirstCall, " + warmup + " warm-up + " + firstCallRuns + " runs per case, in turns");
      for (int i = 0; i < warmup + firstCallRuns; i++) {
        for (int k = 0; k < cases.size(); k++) {
          FirstCallCase c = cases.get((i + k) % cases.size());
          c.runOnce(server, i, i >= warmup);
        }
      }
      provider.stop(Duration.ofSeconds(30));

      MarkdownTable table =
          new MarkdownTable(
              "case",
              "runs",
              "median",
              "p90",
              "min",
              "max",
              "launch → main (median)",
              "main → first OK (median)",
              "agent: premain / SDK started (median, ms)",
              "failed calls before the first OK");
      for (FirstCallCase c : cases) {
        rawLine("B launch-to-ok " + c.label, c.launchToOk);
        rawLine("B main-to-ok " + c.label, c.mainToOk);
        table.row(
            c.label,
            String.valueOf(c.launchToOk.count()),
            fmt(c.launchToOk.median()),
            fmt(c.launchToOk.p90()),
            fmt(c.launchToOk.min()),
            fmt(c.launchToOk.max()),
            c.launchToMain.isEmpty() || !clocksShared ? "n/a" : fmt(c.launchToMain.median()),
            fmt(c.mainToOk.median()),
            agentTimingCell(c),
            c.failedCalls + " in " + c.runsWithFailures + " runs");
      }
      FirstCallCase plain = cases.get(0);
      FirstCallCase discovered = cases.get(1);
      FirstCallCase agentStatic = cases.get(2);
      addedRow(table, "**agent + discovery add** (polaris://echo − no agent)", discovered, plain);
      addedRow(table, "agent alone adds (static with agent − no agent)", agentStatic, plain);
      return table.render();
    }
  }

  // ---- helpers

  /** The medians of the agent's own timing lines; a quick app may exit before one is logged. */
  private static String agentTimingCell(FirstCallCase c) {
    if (!c.withAgent) {
      return "";
    }
    return logged(c.premain, c.launchToOk.count())
        + " / "
        + logged(c.sdkStart, c.launchToOk.count());
  }

  private static String logged(Samples samples, int runs) {
    if (samples.isEmpty()) {
      return "not logged";
    }
    String cell = fmt(samples.median());
    return samples.count() < runs ? cell + " (in " + samples.count() + " runs)" : cell;
  }

  /**
   * Milliseconds from launching {@code child} to a {@link System#nanoTime()} value it printed, or
   * {@code null} when the two clocks are evidently not the same (then the launcher-clock rows are
   * left out).
   */
  Double sinceLaunch(ChildProcess child, long childNanos) {
    double millis = (childNanos - child.launchNanos()) / 1e6;
    if (millis <= 0 || millis > PROBE_TIMEOUT.toMillis()) {
      clocksShared = false;
      return null;
    }
    return millis;
  }

  /** Starts a child with its output in {@code <out>/logs} and stdin closed (no child reads it). */
  ChildProcess launch(String name, List<String> command) throws IOException {
    ChildProcess child = ChildProcess.start(name, command, out.resolve("logs"));
    child.closeStdin();
    return child;
  }

  String sdkLog(String name) {
    return "-Dpolaris.log.sdk.file=" + out.resolve("logs").resolve("sdk-" + name + ".log");
  }

  private String machine() throws IOException {
    Map<String, String> facts = new LinkedHashMap<>();
    Machine.addFacts(facts);
    facts.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    facts.put("agent jar", String.format(Locale.ROOT, "%.1f MB", Files.size(agent) / 1e6));
    facts.put(
        "load average at the start", String.format(Locale.ROOT, "%.2f", Machine.loadAverage()));
    if (!note.isEmpty()) {
      facts.put("note", note);
    }
    return Machine.bullets(facts);
  }

  private void rawLine(String label, Samples samples) {
    raw.append(label).append(": ").append(samples.isEmpty() ? "-" : samples.raw()).append('\n');
  }

  private static void progress(String message) {
    System.out.println("bench: " + message);
  }

  /**
   * A row of figure B with what {@code with} adds to {@code without}: the differences of the
   * medians and of the p90s of launch → first OK; the other cells empty.
   */
  private static void addedRow(
      MarkdownTable table, String label, FirstCallCase with, FirstCallCase without) {
    table.row(
        label,
        "",
        fmt(with.launchToOk.median() - without.launchToOk.median()),
        fmt(with.launchToOk.p90() - without.launchToOk.p90()),
        "",
        "",
        "",
        "",
        "",
        "");
  }

  private static String fmt(double millis) {
    return Samples.format(millis);
  }

  private static void samplesRow(MarkdownTable table, String label, Samples samples) {
    table.row(
        label,
        String.valueOf(samples.count()),
        fmt(samples.median()),
        fmt(samples.p90()),
        fmt(samples.min()),
        fmt(samples.max()));
  }

  private static void differenceRow(
      MarkdownTable table, String label, Samples with, Samples without) {
    table.row(
        label, "", fmt(with.median() - without.median()), fmt(with.p90() - without.p90()), "", "");
  }
}
