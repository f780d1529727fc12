package org.polarisagent.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.ChildProcess;
import org.polarisagent.testing.Flags;
import org.polarisagent.testing.HarnessFailure;
import org.polarisagent.testing.LineValues;
import org.polarisagent.testing.PolarisServer;
import org.polarisagent.testing.Program;

/**
 * The demo that {@code demo.sh} runs, on the harness the tests and benchmarks use: three unmodified
 * {@link EchoProvider} JVMs and one unmodified {@link EchoConsumer} find each other through a real
 * Polaris server, only because they run with {@code -javaagent:polaris-agent.jar}. It starts the
 * server on the given ports, the providers (service {@code echo}), waits until Polaris lists them
 * healthy, runs the consumer against {@code polaris://echo} (round_robin, 300 calls at 50/s) and
 * prints how the calls spread over the instances. Everything it started is stopped when it ends,
 * also on failure or SIGTERM.
 *
 * <p>Flags: {@code --agent=JAR --server-script=polaris-server.sh --run-dir=DIR} (required), {@code
 * --http-port=8090 --grpc-port=8091 --timeout=90s} (each start-up step). Each process writes {@code
 * <name>.log} (stdout), {@code <name>.err} and {@code <name>.pid} in the run directory (demo.sh
 * stops what a killed run left behind by those pid files). Exit code 0 only if every call succeeded
 * and all three providers answered; 1 otherwise; 2 for bad flags.
 */
public final class Demo {

  private static final List<String> PROVIDERS = List.of("provider-1", "provider-2", "provider-3");
  private static final int CALLS = 300;
  private static final int RATE = 50;
  private static final Pattern READY = Pattern.compile("^READY ");
  private static final Pattern LISTENING = Pattern.compile("^LISTENING ");

  private final Path agent;
  private final Path serverScript;
  private final Path runDir;
  private final int httpPort;
  private final int grpcPort;
  private final Duration timeout;
  private final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  private final String classPath = System.getProperty("java.class.path");

  private Demo(Flags flags) {
    agent = Paths.get(flags.required("agent"));
    serverScript = Paths.get(flags.required("server-script"));
    runDir = Paths.get(flags.required("run-dir")).toAbsolutePath();
    httpPort = flags.integer("http-port", 8090);
    grpcPort = flags.integer("grpc-port", 8091);
    timeout = flags.duration("timeout", Duration.ofSeconds(90));
  }

  public static void main(String[] args) throws Exception {
    Program.main(
        Demo.class,
        "\ndemo",
        args,
        Set.of("agent", "server-script", "run-dir", "http-port", "grpc-port", "timeout"),
        flags -> new Demo(flags)::run);
  }

  private void run() throws IOException {
    say(
        "Starting the Polaris server (http 127.0.0.1:"
            + httpPort
            + ", grpc 127.0.0.1:"
            + grpcPort
            + ")");
    PolarisServer server =
        new PolarisServer(serverScript, runDir.resolve("polaris"), false).startTimeout(timeout);
    try {
      server.startOn(httpPort, grpcPort);
    } catch (IllegalStateException e) {
      if (String.valueOf(e.getMessage()).contains("already in use")) {
        throw new HarnessFailure(
            "a port is already in use; stop what listens there or choose other ports,"
                + " e.g.\n    POLARIS_HTTP_PORT=18090 POLARIS_GRPC_PORT=18091 ./demo.sh\n"
                + e.getMessage());
      }
      throw new HarnessFailure("the Polaris server did not start: " + e.getMessage(), e);
    }
    note("log: " + server.logFile());
    List<ChildProcess> providers = new ArrayList<>();
    try {
      startProviders(providers);
      say("Waiting until Polaris lists " + PROVIDERS.size() + " healthy instances of echo");
      long started = System.nanoTime();
      server.awaitHealthy("echo", PROVIDERS.size(), timeout);
      note(
          PROVIDERS.size()
              + " healthy instances after "
              + (System.nanoTime() - started) / 1_000_000_000L
              + " s (GET /naming/v1/instances?service=echo)");
      report(consume());
    } finally {
      say("Stopping what the demo started");
      if (!providers.isEmpty()) {
        // The agent deregisters each provider and keeps serving for its shutdown delay (6 s by
        // default, polaris.grpc.server.shutdown-delay) before the app's own shutdown runs.
        note(
            "providers: SIGTERM to "
                + providers.stream()
                    .map(p -> String.valueOf(p.pid()))
                    .reduce((a, b) -> a + " " + b)
                    .orElse(""));
        ChildProcess.stopAll(providers, Duration.ofSeconds(30)).forEach(Demo::note);
        providers.forEach(this::forget);
      }
      server.stop();
      note("polaris-server stopped");
    }
    say("Done. Logs: " + runDir + "/");
  }

  private void startProviders(List<ChildProcess> providers) throws IOException {
    say("Starting " + PROVIDERS.size() + " EchoProvider JVMs with the agent (service echo):");
    note(
        "java -javaagent:"
            + agent
            + " -Dpolaris.address=127.0.0.1:"
            + grpcPort
            + " -Dpolaris.service=echo \\");
    note("     -cp <sample classpath> org.polarisagent.samples.EchoProvider --name=provider-N");
    for (String name : PROVIDERS) {
      // --max-lifetime: the provider exits by itself should the demo be killed with SIGKILL.
      providers.add(
          start(
              name,
              List.of("-Dpolaris.service=echo"),
              EchoProvider.class,
              "--name=" + name,
              "--max-lifetime=10m"));
    }
    for (ChildProcess provider : providers) {
      provider.awaitLine(READY, timeout);
      String listening =
          provider.awaitLine(LISTENING, Duration.ZERO).text().substring("LISTENING ".length());
      note(
          provider.name()
              + ": "
              + listening
              + ", pid "
              + provider.pid()
              + ", log "
              + log(provider.name()));
    }
  }

  /** Runs the consumer to its end and returns its stdout. */
  private List<String> consume() throws IOException {
    say(
        "Running EchoConsumer with the agent: "
            + CALLS
            + " calls at "
            + RATE
            + "/s to polaris://echo, round_robin");
    note(
        "java -javaagent:"
            + agent
            + " -Dpolaris.address=127.0.0.1:"
            + grpcPort
            + " -Dpolaris.service=echo-consumer \\");
    note(
        "     -Dpolaris.loadbalancer=round_robin -cp <sample classpath> org.polarisagent.samples.EchoConsumer \\");
    note("     --target=polaris://echo --calls=" + CALLS + " --rate=" + RATE + " --deadline=10s");
    ChildProcess consumer =
        start(
            "consumer",
            List.of("-Dpolaris.service=echo-consumer", "-Dpolaris.loadbalancer=round_robin"),
            EchoConsumer.class,
            "--target=polaris://echo",
            "--calls=" + CALLS,
            "--rate=" + RATE,
            "--deadline=10s",
            "--max-duration=2m");
    try {
      int exit = consumer.awaitExit(Duration.ofMinutes(3));
      note("log: " + log("consumer"));
      List<String> lines = new ArrayList<>();
      consumer.lines().forEach(line -> lines.add(line.text()));
      if (lines.stream().noneMatch(line -> line.startsWith("RESULT "))) {
        throw new HarnessFailure(
            "the consumer printed no RESULT line (exit code "
                + exit
                + "; log: "
                + log("consumer")
                + ")");
      }
      return lines;
    } finally {
      consumer.kill();
      forget(consumer);
    }
  }

  private void report(List<String> lines) {
    String result = first(lines, "RESULT ");
    long ok = LineValues.field(result, "ok");
    say(
        "Result: "
            + ok
            + " of "
            + CALLS
            + " calls ok, "
            + LineValues.field(result, "failed")
            + " failed, "
            + LineValues.field(result, "unfinished")
            + " unfinished");
    int answered = 0;
    for (String line : lines) {
      if (line.startsWith("INSTANCE ")) {
        String name = LineValues.group(Pattern.compile("name=(\\S+)"), line);
        long count = LineValues.field(line, "count");
        System.out.printf(
            Locale.ROOT,
            "    %-12s %4d calls  %s%n",
            name,
            count,
            "#".repeat((int) (count * 40 / CALLS)));
        answered++;
      } else if (line.startsWith("ERROR ")) {
        note(line);
      }
    }
    String latency = first(lines, "LATENCY ");
    if (latency != null && latency.contains("p50us=")) {
      note(
          String.format(
              Locale.ROOT,
              "latency ms: p50 %.1f, p90 %.1f, p99 %.1f, max %.1f (includes the first"
                  + " calls, which wait for polaris://echo to resolve)",
              ms(latency, "p50us"),
              ms(latency, "p90us"),
              ms(latency, "p99us"),
              ms(latency, "maxus")));
    }
    note(result);
    if (ok != CALLS) {
      throw new HarnessFailure(
          (CALLS - ok) + " of " + CALLS + " calls did not succeed (log: " + log("consumer") + ")");
    }
    if (answered != PROVIDERS.size()) {
      throw new HarnessFailure(answered + " instances answered, expected " + PROVIDERS.size());
    }
    say(
        "OK: every call succeeded, spread over "
            + PROVIDERS.size()
            + " instances found through Polaris");
  }

  /**
   * A sample JVM with the agent, talking to this demo's server; its pid is written to {@code
   * <name>.pid}.
   */
  private ChildProcess start(String name, List<String> properties, Class<?> main, String... args)
      throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-javaagent:" + agent,
                "-Dpolaris.address=127.0.0.1:" + grpcPort,
                "-Dpolaris.log.sdk.file=" + runDir.resolve(name + "-sdk.log")));
    command.addAll(properties);
    command.addAll(List.of("-cp", classPath, main.getName()));
    command.addAll(List.of(args));
    ChildProcess child =
        ChildProcess.start(name, command, null, log(name), runDir.resolve(name + ".err"), Map.of());
    child.closeStdin();
    Files.writeString(runDir.resolve(name + ".pid"), child.pid() + "\n", StandardCharsets.UTF_8);
    return child;
  }

  private void forget(ChildProcess child) {
    try {
      Files.deleteIfExists(runDir.resolve(child.name() + ".pid"));
    } catch (IOException e) {
      note("cannot delete " + child.name() + ".pid: " + e.getMessage());
    }
  }

  private Path log(String name) {
    return runDir.resolve(name + ".log");
  }

  private static String first(List<String> lines, String prefix) {
    return lines.stream().filter(line -> line.startsWith(prefix)).findFirst().orElse(null);
  }

  private static double ms(String line, String key) {
    return LineValues.field(line, key) / 1000.0;
  }

  private static void say(String message) {
    System.out.println("==> " + message);
  }

  private static void note(String message) {
    System.out.println("    " + message);
  }
}
