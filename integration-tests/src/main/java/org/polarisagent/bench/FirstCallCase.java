package org.polarisagent.bench;

import java.util.ArrayList;
import java.util.List;
import org.polarisagent.testing.ChildProcess;
import org.polarisagent.testing.HarnessFailure;
import org.polarisagent.testing.LineValues;
import org.polarisagent.testing.PolarisServer;

/** One column of figure B and its measurements. */
final class FirstCallCase {
  private final BenchRunner bench;
  final String label;
  final boolean withAgent;
  final String target;
  final Samples launchToOk = new Samples();
  final Samples launchToMain = new Samples();
  final Samples mainToOk = new Samples();
  final Samples sdkStart = new Samples();
  final Samples premain = new Samples();
  int failedCalls;
  int runsWithFailures;

  FirstCallCase(BenchRunner bench, String label, boolean withAgent, String target) {
    this.bench = bench;
    this.label = label;
    this.withAgent = withAgent;
    this.target = target;
  }

  void runOnce(PolarisServer server, int index, boolean counted) throws Exception {
    List<String> command = new ArrayList<>(List.of(bench.java));
    if (withAgent) {
      command.addAll(
          List.of(
              "-javaagent:" + bench.agent,
              "-Dpolaris.address=" + server.grpcAddress(),
              "-Dpolaris.log.level=debug",
              bench.sdkLog("first-call")));
      if (target.startsWith("polaris:")) {
        // A Polaris app names itself; the static case is an app that never uses Polaris.
        command.add("-Dpolaris.service=echo-consumer");
      }
    }
    command.addAll(List.of("-cp", bench.classPath, FirstCall.class.getName(), target));
    String name =
        "first-call-"
            + (withAgent ? "agent" : "plain")
            + (target.startsWith("polaris:") ? "-polaris" : "-static")
            + "-"
            + index;
    try (ChildProcess client = bench.launch(name, command)) {
      ChildProcess.Line line = client.awaitLine(BenchRunner.FIRST, BenchRunner.FIRST_CALL_TIMEOUT);
      if (line.text().startsWith("FIRST_FAILED")) {
        throw new HarnessFailure(name + ": " + line.text());
      }
      client.awaitExit(BenchRunner.EXIT_TIMEOUT);
      if (!counted) {
        return;
      }
      long mainNanos = Long.parseLong(LineValues.group(BenchRunner.MAIN_NANOS, line.text()));
      long okNanos = Long.parseLong(LineValues.group(BenchRunner.OK_NANOS, line.text()));
      launchToOk.add((line.nanos() - client.launchNanos()) / 1e6);
      mainToOk.add((okNanos - mainNanos) / 1e6);
      Double launch = bench.sinceLaunch(client, mainNanos);
      if (launch != null) {
        launchToMain.add(launch);
      }
      String stderr = client.stderr();
      String sdkMillis = LineValues.group(BenchRunner.SDK_STARTED, stderr);
      if (sdkMillis != null) {
        sdkStart.add(Double.parseDouble(sdkMillis));
      }
      String premainMillis = LineValues.group(BenchRunner.PREMAIN, stderr);
      if (premainMillis != null) {
        premain.add(Double.parseDouble(premainMillis));
      }
      int failures = Integer.parseInt(LineValues.group(BenchRunner.FAILURES, line.text()));
      failedCalls += failures;
      runsWithFailures += failures > 0 ? 1 : 0;
    }
  }
}
