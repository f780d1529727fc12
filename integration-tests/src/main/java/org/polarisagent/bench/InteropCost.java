package org.polarisagent.bench;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.polarisagent.testing.ChildProcess;
import org.polarisagent.testing.Flags;
import org.polarisagent.testing.FreePorts;
import org.polarisagent.testing.HarnessFailure;
import org.polarisagent.testing.Machine;
import org.polarisagent.testing.MarkdownTable;
import org.polarisagent.testing.PolarisServer;
import org.polarisagent.testing.Program;

/**
 * What the agent costs an unmodified app written by the gRPC team: {@code
 * io.grpc.testing.integration.TestServiceClient --test_case=large_unary} (one call, then exit)
 * against that project's {@code TestServiceServer}, in three cases that take turns:
 *
 * <ol>
 *   <li>no agent, the server's static address;
 *   <li>the agent, the same static address, the Polaris address a loopback port where nothing
 *       listens;
 *   <li>the agent, the address mapped to the Polaris service the server registered as (the server
 *       runs with the agent, against a real Polaris server).
 * </ol>
 *
 * <p>Each run is timed by {@code /usr/bin/time} (wall, user + system CPU, peak RSS); the table has
 * the medians and their ratio to the first case of the same run. Written to {@code
 * <out>/interop.md}, raw lines to {@code <out>/interop-raw.txt}.
 *
 * <p>Flags: {@code --agent=JAR --server-script=polaris-server.sh --classpath=CP --out=DIR}
 * (required; {@code CP} is the interop client's and server's class path), {@code --runs=8}, {@code
 * --warmup=1} (runs per case that are discarded).
 */
public final class InteropCost {

  private static final String SERVICE = "interop";
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration SERVER_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern TIMED =
      Pattern.compile("TIMED wall=([\\d.]+) user=([\\d.]+) sys=([\\d.]+) rss=(\\d+)");
  private static final String[] CASES = {
    "no agent, static address",
    "agent, same static address, Polaris unreachable",
    "agent, target mapped to Polaris (real server)",
  };

  private final Path agent;
  private final Path serverScript;
  private final String interopClassPath;
  private final Path out;
  private final int runs;
  private final int warmup;
  private final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  private final StringBuilder raw = new StringBuilder();

  private InteropCost(Flags flags) {
    agent = Paths.get(flags.required("agent")).toAbsolutePath();
    serverScript = Paths.get(flags.required("server-script")).toAbsolutePath();
    interopClassPath = flags.required("classpath");
    out = Paths.get(flags.required("out")).toAbsolutePath();
    runs = flags.positive("runs", 8);
    warmup = flags.integer("warmup", 1);
    if (!Files.isRegularFile(Paths.get("/usr/bin/time"))) {
      throw new IllegalArgumentException("needs /usr/bin/time (Debian's package 'time')");
    }
  }

  public static void main(String[] args) throws Exception {
    Program.main(
        InteropCost.class,
        "interop-cost",
        args,
        Set.of("agent", "server-script", "classpath", "out", "runs", "warmup"),
        flags -> new InteropCost(flags)::run);
  }

  private void run() throws Exception {
    Files.createDirectories(out);
    List<Integer> ports = FreePorts.pick(2);
    int serverPort = ports.get(0);
    int nobody = ports.get(1);
    try (PolarisServer polaris =
        PolarisServer.start(serverScript, out.resolve("interop-polaris"))) {
      ChildProcess server =
          ChildProcess.start(
              "interop-server",
              List.of(
                  java,
                  "-javaagent:" + agent,
                  "-Dpolaris.address=" + polaris.grpcAddress(),
                  "-Dpolaris.service=" + SERVICE,
                  "-cp",
                  interopClassPath,
                  "io.grpc.testing.integration.TestServiceServer",
                  "--port=" + serverPort,
                  "--use_tls=false"),
              out);
      try {
        polaris.awaitHealthy(SERVICE, 1, SERVER_TIMEOUT);
        List<List<String>> agentFlags =
            List.of(
                List.of(),
                List.of("-javaagent:" + agent, "-Dpolaris.address=127.0.0.1:" + nobody),
                List.of(
                    "-javaagent:" + agent,
                    "-Dpolaris.address=" + polaris.grpcAddress(),
                    "-Dpolaris.grpc.client.target-mapping=localhost:"
                        + serverPort
                        + "="
                        + SERVICE));
        List<List<double[]>> samples = new ArrayList<>();
        for (int i = 0; i < CASES.length; i++) {
          samples.add(new ArrayList<>());
        }
        for (int round = 0; round < warmup + runs; round++) {
          for (int c = 0; c < CASES.length; c++) {
            double[] sample = timedClient(c, round, agentFlags.get(c), serverPort);
            if (round >= warmup) {
              samples.get(c).add(sample);
            }
          }
        }
        report(samples);
      } finally {
        server.stop(Duration.ofSeconds(20));
      }
    }
  }

  /** One client run: {wall s, CPU s, peak RSS MB}. */
  private double[] timedClient(int c, int round, List<String> agentFlags, int serverPort)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add("/usr/bin/time");
    command.add("-f");
    command.add("TIMED wall=%e user=%U sys=%S rss=%M");
    command.add(java);
    command.addAll(agentFlags);
    command.addAll(
        List.of(
            "-cp",
            interopClassPath,
            "io.grpc.testing.integration.TestServiceClient",
            "--server_host=localhost",
            "--server_port=" + serverPort,
            "--use_tls=false",
            "--test_case=large_unary"));
    String name = "interop-client-" + (c + 1) + "-" + round;
    ChildProcess client = ChildProcess.start(name, command, out.resolve("interop-runs"));
    int exit = client.awaitExit(RUN_TIMEOUT);
    String timed =
        client.stderr().lines().filter(l -> l.startsWith("TIMED ")).reduce("", (a, b) -> b);
    Matcher m = TIMED.matcher(timed);
    if (exit != 0 || !m.find()) {
      throw new HarnessFailure(
          "the interop client of case "
              + (c + 1)
              + " failed (exit "
              + exit
              + "):\n"
              + client.stderr());
    }
    double wall = Double.parseDouble(m.group(1));
    double cpu = Double.parseDouble(m.group(2)) + Double.parseDouble(m.group(3));
    double rssMb = Long.parseLong(m.group(4)) / 1024.0;
    raw.append(
        String.format(
            Locale.ROOT,
            "case=%d round=%d wall=%.2f cpu=%.2f rss=%.0f%n",
            c + 1,
            round,
            wall,
            cpu,
            rssMb));
    return new double[] {wall, cpu, rssMb};
  }

  private void report(List<List<double[]>> samples) throws Exception {
    MarkdownTable table = new MarkdownTable("case", "wall", "CPU", "peak RSS");
    double[] base = medians(samples.get(0));
    for (int c = 0; c < CASES.length; c++) {
      double[] m = medians(samples.get(c));
      table.row(
          CASES[c],
          cell(m[0], c == 0 ? 0 : base[0], "s", "%.2f"),
          cell(m[1], c == 0 ? 0 : base[1], "s", "%.2f"),
          cell(m[2], c == 0 ? 0 : base[2], "MB", "%.0f"));
    }
    Map<String, String> facts = new LinkedHashMap<>();
    Machine.addFacts(facts);
    String text =
        "## Interop client: TestServiceClient --test_case=large_unary, launch to exit\n\n"
            + Machine.bullets(facts)
            + "\n"
            + String.format(
                Locale.ROOT,
                "Medians of %d runs per case (after %d discarded), cases taking turns; ratio to the"
                    + " first case of this run.%n%n",
                runs,
                warmup)
            + table.render();
    System.out.println(text);
    Files.write(out.resolve("interop.md"), text.getBytes(StandardCharsets.UTF_8));
    Files.write(out.resolve("interop-raw.txt"), raw.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The value, and its ratio to {@code base} unless that is 0. */
  private static String cell(double value, double base, String unit, String format) {
    String shown = String.format(Locale.ROOT, format, value) + " " + unit;
    return base == 0 ? shown : shown + String.format(Locale.ROOT, " (%.1fx)", value / base);
  }

  private static double[] medians(List<double[]> rows) {
    double[] result = new double[3];
    for (int k = 0; k < result.length; k++) {
      Samples column = new Samples();
      for (double[] row : rows) {
        column.add(row[k]);
      }
      result[k] = column.median();
    }
    return result;
  }
}
