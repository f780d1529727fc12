package org.polarisagent.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.samples.PlainApp;

/**
 * The sample apps without the agent, forked as a user would run them: they must work on their own
 * before any agent test can blame the agent.
 */
class SampleAppsTest {

  private static final Duration START = Duration.ofSeconds(30);
  private static final Duration RUN = Duration.ofSeconds(60);

  private static ForkedApp provider;
  private static int port;
  private final List<ForkedApp> consumers = new ArrayList<>();

  @BeforeAll
  static void startProvider() {
    provider = ForkedApp.main(EchoProvider.class).name("provider-p1").args("--name=p1").start();
    port = Integer.parseInt(provider.awaitLine("READY port=(\\d+) .*", START).group(1));
  }

  @AfterAll
  static void stopProvider() {
    if (provider == null) {
      return;
    }
    try (ForkedApp app = provider) {
      app.sigterm();
      assertTrue(app.waitFor(Duration.ofSeconds(30)), app.describe());
      assertEquals("STOPPED", app.lines().get(app.lineCount() - 1), app.describe());
    }
  }

  @AfterEach
  void killConsumers() {
    consumers.forEach(ForkedApp::close);
  }

  @Test
  void consumerCallsStaticAddress() {
    ForkedApp consumer = runConsumer("--target=127.0.0.1:" + port, "--rate=50", "--calls=100");
    Matcher result = consumer.awaitLine("RESULT ok=(\\d+) failed=(\\d+) sent=(\\d+) .*", RUN);
    assertEquals("100", result.group(1), consumer.describe());
    assertEquals("0", result.group(2), consumer.describe());
    consumer.awaitLine("INSTANCE name=p1 count=100", RUN);
    consumer.awaitLine("LATENCY count=100 .*", RUN);
    assertExitsNormally(consumer);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "forTarget",
        "forAddress",
        "grpcNewChannelBuilder",
        "grpcNewChannelBuilderForAddress",
        "netty",
        "nettyForAddress",
        "okhttp",
        "okhttpForAddress"
      })
  void everyChannelEntryPointWorks(String entry) {
    ForkedApp consumer =
        runConsumer(
            "--target=127.0.0.1:" + port,
            "--entry=" + entry,
            "--rate=100",
            "--calls=10",
            "--progress=false");
    assertEquals(
        "RESULT ok=10 failed=0 sent=10 unfinished=0 replies=10",
        consumer.awaitLine("RESULT .*", RUN).group(),
        consumer.describe());
    assertExitsNormally(consumer);
  }

  @Test
  void consumerSendsHeadersAndStreams() {
    ForkedApp consumer =
        runConsumer(
            "--target=127.0.0.1:" + port,
            "--method=EchoStream",
            "--calls=5",
            "--header=x-user=alice",
            "--header=x-env=test");
    assertEquals(
        "RESULT ok=5 failed=0 sent=5 unfinished=0 replies=15",
        consumer.awaitLine("RESULT .*", RUN).group(),
        consumer.describe());
    assertExitsNormally(consumer);
  }

  @Test
  void consumerReportsErrorsByCode() {
    ForkedApp consumer = runConsumer("--target=127.0.0.1:1", "--calls=5", "--deadline=1s");
    Matcher result = consumer.awaitLine("RESULT ok=(\\d+) failed=(\\d+) .*", RUN);
    assertEquals("0", result.group(1));
    assertEquals("5", result.group(2));
    consumer.awaitLine("ERROR code=UNAVAILABLE count=\\d+ message=.+", RUN);
    assertExitsNormally(consumer);
  }

  @Test
  void providerFailsOnDemandAndReportsAtShutdown(@TempDir Path temp) throws Exception {
    Path failFile = temp.resolve("fail");
    try (ForkedApp failing =
        ForkedApp.main(EchoProvider.class)
            .name("provider-failing")
            .args("--name=f1", "--servers=2", "--health-server-port=0", "--fail-file=" + failFile)
            .start()) {
      Matcher ready =
          failing.awaitLine(
              "READY port=(\\d+) ports=(\\d+),(\\d+) health-port=(\\d+) pid=\\d+", START);
      failing.awaitLine("LISTENING name=f1-1 port=" + ready.group(2), START);
      failing.awaitLine("LISTENING name=f1-2 port=" + ready.group(3), START);
      String first = "--target=127.0.0.1:" + ready.group(2);

      Files.writeString(failFile, "RESOURCE_EXHAUSTED Other\n", StandardCharsets.UTF_8);
      assertEquals(
          "RESULT ok=4 failed=0 sent=4 unfinished=0 replies=4",
          runConsumer(first, "--calls=4").awaitLine("RESULT .*", RUN).group(),
          "only Other fails");
      ForkedApp other = runConsumer(first, "--calls=3", "--method=Other");
      other.awaitLine("RESULT ok=0 failed=3 .*", RUN);
      other.awaitLine(
          "ERROR code=RESOURCE_EXHAUSTED count=3 message=injected failure \\(fail\\)", RUN);

      Files.writeString(failFile, "", StandardCharsets.UTF_8);
      runConsumer(first, "--calls=2").awaitLine("ERROR code=UNAVAILABLE count=2 .*", RUN);

      Files.delete(failFile);
      runConsumer("--target=127.0.0.1:" + ready.group(3), "--calls=6")
          .awaitLine("INSTANCE name=f1-2 count=6", RUN);

      failing.sigterm();
      assertTrue(failing.waitFor(Duration.ofSeconds(30)), failing.describe());
      List<String> lines = failing.lines();
      assertTrue(lines.contains("SERVED name=f1-1 ok=4 failed=5"), failing.describe());
      assertTrue(lines.contains("SERVED name=f1-2 ok=6 failed=0"), failing.describe());
      assertEquals("STOPPED", lines.get(lines.size() - 1), failing.describe());
    }
  }

  @Test
  void longRunningConsumerPrintsItsSummaryOnSigterm() {
    try (ForkedApp consumer =
        runConsumer("--target=127.0.0.1:" + port, "--rate=20", "--duration=5m", "--deadline=2s")) {
      consumer.awaitLine("PROGRESS second=\\d+ sent=\\d+ ok=[1-9]\\d* failed=0 .*", RUN);
      consumer.sigterm();
      assertTrue(consumer.waitFor(Duration.ofSeconds(20)), consumer.describe());
      Matcher result =
          consumer.awaitLine("RESULT ok=(\\d+) failed=0 sent=(\\d+) unfinished=0 .*", RUN);
      assertEquals(result.group(2), result.group(1));
    }
  }

  @Test
  void plainAppOutputIsDeterministic() {
    List<String> first = runPlainApp();
    assertTrue(first.contains("CALL ok reply=plain:hello"), String.join("\n", first));
    assertTrue(
        first.contains("INFO  PlainApp - logging through the app's logback"),
        String.join("\n", first));
    assertTrue(
        first.contains(
            "CLASS name=net.bytebuddy.ByteBuddy visible=true location=byte-buddy-1.14.19.jar"),
        String.join("\n", first));
    assertTrue(
        first.contains("CLASS name=com.tencent.polaris.api.core.ConsumerAPI visible=false"),
        String.join("\n", first));
    assertTrue(
        first.contains("CLASS name=org.polarisagent.core.AgentInstaller visible=false"),
        String.join("\n", first));
    assertEquals(first, runPlainApp());
  }

  private static List<String> runPlainApp() {
    try (ForkedApp app = ForkedApp.main(PlainApp.class).withAppLibraries().start()) {
      assertTrue(app.waitFor(RUN), app.describe());
      assertEquals(0, app.exitCode(), app.describe());
      assertEquals(List.of(), app.stderrLines(), app.describe());
      return app.lines();
    }
  }

  /**
   * Starts a consumer, closed (killed if still running) after the test, with a 10 s call deadline
   * unless {@code args} set one: these tests check what the apps report, and a cold JVM's first
   * calls on a busy machine can take longer than the 2 s default.
   */
  private ForkedApp runConsumer(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (all.stream().noneMatch(arg -> arg.startsWith("--deadline="))) {
      all.add("--deadline=10s");
    }
    ForkedApp consumer =
        ForkedApp.main(EchoConsumer.class)
            .name("consumer")
            .args(all.toArray(new String[0]))
            .start();
    consumers.add(consumer);
    return consumer;
  }

  private static void assertExitsNormally(ForkedApp app) {
    try (app) {
      assertTrue(app.waitFor(RUN), app.describe());
      assertEquals(0, app.exitCode(), app.describe());
      assertTrue(app.lines().contains("DONE"), app.describe());
    }
  }
}
