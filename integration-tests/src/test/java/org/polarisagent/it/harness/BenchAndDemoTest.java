package org.polarisagent.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.polarisagent.bench.BenchRunner;
import org.polarisagent.demo.Demo;
import org.polarisagent.testing.FreePorts;

/**
 * The demo and the startup benchmark run on the harness of the tests (in the smallest settings):
 * each starts its own Polaris server and sample JVMs and ends with exit code 0, so that a change of
 * the shared harness that breaks them shows here, not only when someone runs demo.sh or bench.sh.
 */
class BenchAndDemoTest {

  private static final Duration RUN = Duration.ofMinutes(4);

  @Test
  void theDemoSucceeds() {
    List<Integer> ports = FreePorts.pick(2);
    try (ForkedApp demo =
        ForkedApp.main(Demo.class)
            .args(
                "--agent=" + agentJar(),
                "--server-script=" + serverScript(),
                "--run-dir=" + runDir("demo"),
                "--http-port=" + ports.get(0),
                "--grpc-port=" + ports.get(1))
            .start()) {
      assertTrue(demo.waitFor(RUN), demo.describe());
      assertEquals(0, demo.exitCode(), demo.describe());
      assertTrue(
          demo.lines()
              .contains(
                  "==> OK: every call succeeded, spread over 3 instances found through Polaris"),
          demo.describe());
    }
  }

  @Test
  void theStartupBenchmarkWritesItsReport() {
    Path out = runDir("bench");
    try (ForkedApp bench =
        ForkedApp.main(BenchRunner.class)
            .args(
                "--agent=" + agentJar(),
                "--server-script=" + serverScript(),
                "--out=" + out,
                "--startup-runs=1",
                "--first-call-runs=1",
                "--warmup=0")
            .start()) {
      assertTrue(bench.waitFor(RUN), bench.describe());
      assertEquals(0, bench.exitCode(), bench.describe());
      assertTrue(Files.isRegularFile(out.resolve("report.md")), bench.describe());
    }
  }

  private static String agentJar() {
    return Paths.get(System.getProperty("agent.jar")).toAbsolutePath().toString();
  }

  private static String serverScript() {
    return Paths.get(System.getProperty("polaris.server.script")).toAbsolutePath().toString();
  }

  private static Path runDir(String name) {
    return Paths.get(System.getProperty("it.output.dir", "target"))
        .resolve(name + "-" + System.nanoTime())
        .toAbsolutePath();
  }
}
