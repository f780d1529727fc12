package org.polarisagent.it.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.testing.PolarisOpenApi.Instance;
import org.polarisagent.testing.Poll;

/**
 * How a registered provider leaves: on SIGTERM it is gone from Polaris while it still serves, and
 * only then stops; killed, it stops heartbeating and the server marks it unhealthy.
 */
class ProviderShutdownTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration VISIBLE = Duration.ofSeconds(30);

  private static ForkedApp.Builder provider(String name, String namespace) {
    return AgentProviders.provider(POLARIS, name, namespace).args("--name=p1", "--port=0");
  }

  /** Starts the provider, named after its namespace, with the given shutdown delay. */
  private static ForkedApp startWithShutdownDelay(
      String namespace, String shutdownDelay, String... args) {
    return provider(namespace, namespace)
        .property("polaris.grpc.server.shutdown-delay", shutdownDelay)
        .args(args)
        .start();
  }

  private static List<Instance> instances(String namespace) {
    return AgentProviders.echoInstances(POLARIS, namespace);
  }

  /**
   * Waits for the app's LISTENING line and for its one instance to be healthy in Polaris; returns
   * its port.
   */
  private static int awaitListeningAndHealthy(ForkedApp app, String namespace) {
    int port = AgentProviders.awaitListening(app);
    Poll.until(
        VISIBLE,
        Duration.ofMillis(50),
        () -> instances(namespace),
        list -> list.size() == 1 && list.get(0).healthy(),
        "a healthy echo.Echo instance");
    return port;
  }

  /**
   * Waits until the instance has left Polaris; {@code what} names the event for the failure
   * message.
   */
  private static void awaitDeregistered(String namespace, String what) {
    Poll.until(
        Duration.ofSeconds(10),
        Duration.ofMillis(20),
        () -> instances(namespace),
        List::isEmpty,
        what);
  }

  /**
   * Sends SIGTERM and waits until the instance has left Polaris; returns {@link System#nanoTime()}
   * at the signal.
   */
  private static long sigtermAndAwaitDeregistered(ForkedApp app, String namespace, String what) {
    long signalled = System.nanoTime();
    app.sigterm();
    awaitDeregistered(namespace, what);
    return signalled;
  }

  @Test
  void onSigtermTheInstanceLeavesPolarisBeforeTheServerStopsServing() {
    String namespace = "provider-sigterm";
    try (ForkedApp app = startWithShutdownDelay(namespace, "4s")) {
      int port = awaitListeningAndHealthy(app, namespace);

      long signalled =
          sigtermAndAwaitDeregistered(app, namespace, "the instance deregistered after SIGTERM");
      long goneMillis = millisSince(signalled);
      boolean aliveWhenGone = app.isAlive();
      String reply = DirectCall.echo(port, "after-deregistration");
      long answeredMillis = millisSince(signalled);
      long exitedMillis = awaitExitMillis(app, signalled);
      System.out.println(
          "[provider] SIGTERM -> gone from Polaris: <= "
              + goneMillis
              + " ms; direct call still answered at "
              + answeredMillis
              + " ms; process exited at "
              + exitedMillis
              + " ms");

      assertTrue(
          aliveWhenGone, "the process still ran when the instance was gone; " + app.describe());
      assertEquals("p1:after-deregistration", reply);
      assertTrue(
          exitedMillis >= 3000,
          "the server drained for the shutdown delay; exited after " + exitedMillis + " ms");
      // The app's own hook (server.shutdown()) and the agent's exit step both ran: one
      // deregistration.
      assertEquals(
          1,
          app.stderrLines().stream()
              .filter(line -> line.contains("INFO deregistered gRPC server on port " + port))
              .count(),
          app.stderr());
      assertTrue(app.lines().contains("STOPPED"), app.describe());
    }
  }

  @Test
  void anAppThatNeverShutsItsServerDownStillLeavesPolarisFirstOnSigterm() {
    String namespace = "provider-no-hook";
    try (ForkedApp app = startWithShutdownDelay(namespace, "3s", "--shutdown-hook=false")) {
      int port = awaitListeningAndHealthy(app, namespace);

      long signalled =
          sigtermAndAwaitDeregistered(
              app, namespace, "the instance deregistered by the agent at JVM exit");
      boolean aliveWhenGone = app.isAlive();
      String reply = DirectCall.echo(port, "while-draining");
      long exitedMillis = awaitExitMillis(app, signalled);
      System.out.println(
          "[provider] no app hook: SIGTERM -> process exited at " + exitedMillis + " ms");
      assertTrue(
          aliveWhenGone, "the process still ran when the instance was gone; " + app.describe());
      assertEquals("p1:while-draining", reply);
    }
  }

  @Test
  void aShutdownCalledFromAnRpcHandlerAnswersAtOnceAndTheServerStillDrains() {
    String namespace = "provider-admin-rpc";
    try (ForkedApp app = startWithShutdownDelay(namespace, "4s", "--shutdown-word=stop")) {
      int port = awaitListeningAndHealthy(app, namespace);

      long called = System.nanoTime();
      String answer = DirectCall.echo(port, "stop");
      long answeredMillis = millisSince(called);
      awaitDeregistered(namespace, "the instance deregistered after shutdown()");
      String reply = DirectCall.echo(port, "while-draining");
      long exitedMillis = awaitExitMillis(app, called);
      long shutdownMillis = shutdownReturnedMillis(app, 1);
      System.out.println(
          "[provider] shutdown() from an RPC handler returned in "
              + shutdownMillis
              + " ms; the RPC answered in "
              + answeredMillis
              + " ms; process exited at "
              + exitedMillis
              + " ms");

      assertEquals("p1:stop", answer);
      // Neither shutdown() nor the RPC that called it waited for the drain: a call made after the
      // answer still finds the server serving.
      assertTrue(
          shutdownMillis < 4000,
          "shutdown() returned after " + shutdownMillis + " ms, not before the 4 s drain was over");
      assertEquals("p1:while-draining", reply);
      assertTrue(
          exitedMillis >= 3000,
          "the server drained for the shutdown delay; exited after " + exitedMillis + " ms");
    }
  }

  @Test
  void threeServersStoppedInARowTakeOneDrain() {
    String namespace = "provider-three";
    try (ForkedApp app = startWithShutdownDelay(namespace, "3s", "--servers=3")) {
      app.awaitLine("READY .*", AgentProviders.START);
      Poll.until(
          VISIBLE,
          Duration.ofMillis(50),
          () -> instances(namespace),
          list -> list.size() == 3 && list.stream().allMatch(Instance::healthy),
          "three healthy echo.Echo instances");

      long signalled = System.nanoTime();
      app.sigterm();
      long exitedMillis = awaitExitMillis(app, signalled);
      long shutdownMillis = shutdownReturnedMillis(app, 3);
      System.out.println(
          "[provider] three servers: their shutdown() calls returned in "
              + shutdownMillis
              + " ms; SIGTERM -> process exited at "
              + exitedMillis
              + " ms (drain 3000 ms)");

      assertTrue(
          shutdownMillis < 3000,
          "three shutdown() calls took " + shutdownMillis + " ms, not less than one 3 s drain");
      assertTrue(
          exitedMillis >= 3000 && exitedMillis < 9000,
          "one drain for three servers, not three in a row: exited after " + exitedMillis + " ms");
      assertEquals(
          3,
          app.stderrLines().stream()
              .filter(line -> line.contains("INFO deregistered gRPC server on port"))
              .count(),
          app.stderr());
      assertTrue(instances(namespace).isEmpty());
    }
  }

  @Test
  void aHookThatCallsShutdownNowStillServesDuringTheDrain() {
    String namespace = "provider-shutdown-now";
    try (ForkedApp app = startWithShutdownDelay(namespace, "4s", "--shutdown-grace=0s")) {
      int port = awaitListeningAndHealthy(app, namespace);

      long signalled =
          sigtermAndAwaitDeregistered(app, namespace, "the instance deregistered after SIGTERM");
      String reply = DirectCall.echo(port, "after-shutdown-now");
      long exitedMillis = awaitExitMillis(app, signalled);

      assertEquals("p1:after-shutdown-now", reply);
      assertTrue(
          exitedMillis >= 3000,
          "shutdownNow() waited for the drain; exited after " + exitedMillis + " ms");
    }
  }

  /** How long the app's row of shutdown() calls took, from its SHUTDOWN_RETURNED line. */
  private static long shutdownReturnedMillis(ForkedApp app, int servers) {
    Pattern line = Pattern.compile("SHUTDOWN_RETURNED servers=" + servers + " ms=(\\d+)");
    return app.lines().stream()
        .map(line::matcher)
        .filter(java.util.regex.Matcher::matches)
        .mapToLong(m -> Long.parseLong(m.group(1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no SHUTDOWN_RETURNED line; " + app.describe()));
  }

  @Test
  void aKilledProviderIsMarkedUnhealthyAfterThreeMissedHeartbeats() {
    String namespace = "provider-sigkill";
    int ttlSeconds = 2;
    try (ForkedApp app =
        provider("provider-sigkill", namespace)
            .property("polaris.instance.ttl", String.valueOf(ttlSeconds))
            .start()) {
      awaitListeningAndHealthy(app, namespace);
      // Healthy for well over 3 x TTL: only real heartbeats keep it so.
      Poll.holds(
          Duration.ofSeconds(4L * ttlSeconds),
          Duration.ofMillis(500),
          () -> instances(namespace),
          list -> list.size() == 1 && list.get(0).healthy(),
          "the instance healthy while it runs");

      long killed = System.nanoTime();
      app.sigkill();
      Poll.until(
          Duration.ofSeconds(40),
          Duration.ofMillis(100),
          () -> instances(namespace),
          list -> list.size() == 1 && !list.get(0).healthy(),
          "the killed instance unhealthy");
      long unhealthyMillis = millisSince(killed);
      System.out.println(
          "[provider] SIGKILL -> unhealthy: " + unhealthyMillis + " ms (TTL " + ttlSeconds + " s)");

      assertTrue(
          unhealthyMillis >= (2L * ttlSeconds - 1) * 1000,
          "marked unhealthy only after missed heartbeats, not at once: " + unhealthyMillis + " ms");
    }
  }

  /** Waits up to 30 s for the app to exit; returns the milliseconds from {@code startNanos}. */
  private static long awaitExitMillis(ForkedApp app, long startNanos) {
    assertTrue(app.waitFor(Duration.ofSeconds(30)), app.describe());
    return millisSince(startNanos);
  }

  private static long millisSince(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
  }
}
