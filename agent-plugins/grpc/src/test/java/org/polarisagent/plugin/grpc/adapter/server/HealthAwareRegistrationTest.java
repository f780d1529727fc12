package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.plugin.grpc.CapturedStderr;

/** A server with a health service registers, leaves and comes back as its status says. */
class HealthAwareRegistrationTest extends ServerLifecycleFixture {

  private static final List<String> ECHO_AND_HEALTH =
      Arrays.asList("echo.Echo", HealthProbe.SERVICE);
  private static final String REGISTER = "register default/echo.Echo 127.0.0.1:50051";
  private static final String OUT_OF_ROTATION = REGISTER + " weight 0";
  private static final String DEREGISTER = "deregister default/echo.Echo 127.0.0.1:50051";

  @RegisterExtension final CapturedStderr log = new CapturedStderr();

  private final FakeHealthService health = new FakeHealthService();

  private ServerLifecycle started(String agentArgs) {
    ServerLifecycle lifecycle = lifecycle(agentArgs, registrar, departingAtOnce);
    List<SocketAddress> sockets =
        Collections.<SocketAddress>singletonList(new InetSocketAddress("127.0.0.1", 50051));
    lifecycle.started(
        sockets,
        ECHO_AND_HEALTH,
        Collections.<String>emptyList(),
        HealthProbe.of(health.services()));
    return lifecycle;
  }

  private List<String> registrations() {
    return registrar.events().stream()
        .map(e -> e.replaceAll(" id-\\S+$", ""))
        .collect(java.util.stream.Collectors.toList());
  }

  @Test
  void registersOnlyOnceTheServerReportsServing() {
    health.status = FakeHealthService.NOT_SERVING;
    started("");

    scheduler.runNext();
    scheduler.runNext();
    assertTrue(registrar.events().isEmpty(), "not registered while NOT_SERVING");
    assertEquals(
        Arrays.asList(0L, HealthGate.POLL_MILLIS, HealthGate.POLL_MILLIS), scheduler.delays);

    health.status = FakeHealthService.SERVING;
    scheduler.runNext();
    assertEquals(Collections.singletonList(REGISTER), registrations());
  }

  @Test
  void registersAnywayWithOneWarningOnceTheWaitIsOver() {
    health.status = FakeHealthService.NOT_SERVING;
    started("polaris.grpc.server.health-wait=5s");
    scheduler.runNext();
    assertTrue(registrar.events().isEmpty());

    clock.advanceTo(clock.nanoTime() + TimeUnit.SECONDS.toNanos(5));
    scheduler.runNext();
    assertEquals(Collections.singletonList(REGISTER), registrations());
    assertTrue(log.text().contains("has not reported SERVING within 5000 ms"), log.text());
    // Registered anyway: staying NOT_SERVING withdraws nothing; only a change does.
    scheduler.runNext();
    assertEquals(Collections.singletonList(REGISTER), registrations());
  }

  @Test
  void notServingTakesTheServerOutOfRotationAndServingPutsItBack() {
    started("");
    scheduler.runNext();
    assertEquals(Collections.singletonList(REGISTER), registrations());

    health.status = FakeHealthService.NOT_SERVING;
    scheduler.runNext(); // the health watch
    assertEquals(Arrays.asList(REGISTER, OUT_OF_ROTATION), registrations());
    assertTrue(log.text().contains("reports NOT_SERVING: out of rotation in Polaris"), log.text());
    scheduler.runNext();
    assertEquals(2, registrar.events().size(), "taken out once");

    health.status = FakeHealthService.SERVING;
    scheduler.runNext();
    assertEquals(Arrays.asList(REGISTER, OUT_OF_ROTATION, REGISTER), registrations());
    assertTrue(log.text().contains("reports SERVING again: back in rotation"), log.text());
  }

  @Test
  void aRegistrationRetriedWhileNotServingRegistersInRotationThenTheWatchTakesItOut() {
    registrar.failuresLeft = 1;
    started("");
    scheduler.runNext(); // fails: Polaris is down
    health.status = FakeHealthService.NOT_SERVING;
    scheduler.runNext(); // the retry: the server still counts as SERVING until followed
    assertEquals(
        Arrays.asList("register failed default/echo.Echo 127.0.0.1:50051", REGISTER),
        registrations());
    scheduler.runNext(); // the health watch
    assertEquals(OUT_OF_ROTATION, registrations().get(2));
  }

  @Test
  void aChangeOfRotationPolarisRefusedIsTriedAgainAtTheNextCheck() {
    started("");
    scheduler.runNext();
    registrar.failuresLeft = 1;
    health.status = FakeHealthService.NOT_SERVING;
    scheduler.runNext(); // the update fails
    assertEquals("register failed default/echo.Echo 127.0.0.1:50051", registrations().get(1));
    scheduler.runNext(); // the next check tries again
    assertEquals(OUT_OF_ROTATION, registrations().get(2));
    scheduler.runNext();
    assertEquals(3, registrations().size(), "done once it succeeded");
  }

  @Test
  void aServerOutOfRotationForLongerThanTheDrainDelayStopsRightAfterItsDeregistration() {
    ServerLifecycle lifecycle = started("polaris.grpc.server.shutdown-delay=6s");
    scheduler.runNext();
    health.status = FakeHealthService.NOT_SERVING;
    scheduler.runNext();
    clock.advanceTo(clock.nanoTime() + TimeUnit.SECONDS.toNanos(6));
    String[] stopped = new String[1];

    lifecycle.leave(() -> stopped[0] = "stopped");

    assertEquals("stopped", stopped[0], "consumers sent nothing for 6 s: stopped at once");
    assertEquals(DEREGISTER, registrations().get(2));
    assertEquals(0, scheduler.pending(), "the health watch ends with the server");
  }

  @Test
  void aServerThatStopsRightAfterItWentOutOfRotationServesOutTheDrainDelay() {
    ServerLifecycle lifecycle = started("polaris.grpc.server.shutdown-delay=6s");
    scheduler.runNext();
    health.status = FakeHealthService.NOT_SERVING;
    scheduler.runNext(); // out of rotation now
    clock.advanceTo(clock.nanoTime() + TimeUnit.SECONDS.toNanos(2));
    String[] stopped = new String[1];

    lifecycle.leave(() -> stopped[0] = "stopped");
    assertEquals(null, stopped[0], "consumers may still send for 4 s");
    departingAtOnce.runAll();

    assertEquals("stopped", stopped[0]);
    assertEquals(6000, clock.elapsedMillis(), "stopped 6 s after it went out of rotation");
  }

  @Test
  void aDeregistrationRightAfterAChangeOfRotationWaitsForPolarisToApplyIt() {
    ServerLifecycle lifecycle = started("polaris.grpc.server.shutdown-delay=0s");
    scheduler.runNext();
    health.status = FakeHealthService.NOT_SERVING;
    scheduler.runNext(); // out of rotation now
    long changed = clock.nanoTime();

    lifecycle.leave(() -> {});
    assertEquals(2, registrations().size(), "no deregistration yet");
    departingAtOnce.runAll();

    assertEquals(DEREGISTER, registrations().get(2));
    assertEquals(
        HealthGate.SETTLE_MILLIS, TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - changed));
  }

  @Test
  void anUnreadableHealthServiceOrTheFlagOffChangeNothing() {
    health.failure = io.grpc.Status.UNAUTHENTICATED;
    started("");
    scheduler.runNext();
    assertEquals(Collections.singletonList(REGISTER), registrations());
    assertTrue(log.text().contains("cannot read the health of"), log.text());
    assertEquals(0, scheduler.pending(), "nothing followed");
  }

  @Test
  void withHealthAwarenessOffTheStatusIsNeverRead() {
    health.status = FakeHealthService.NOT_SERVING;
    started("polaris.grpc.server.health-aware=false");
    scheduler.runNext();
    assertEquals(Collections.singletonList(REGISTER), registrations());
    assertTrue(health.requests.isEmpty());
    assertEquals(0, scheduler.pending());
  }
}
