package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.plugin.grpc.CapturedStderr;

class ServerLifecycleTest extends ServerLifecycleFixture {

  private static final List<String> ECHO_AND_HEALTH =
      Arrays.asList("echo.Echo", "grpc.health.v1.Health");
  private static final List<String> NO_METHODS = Collections.emptyList();

  @RegisterExtension final CapturedStderr log = new CapturedStderr();

  private ServerLifecycle lifecycle(String agentArgs) {
    return lifecycle(agentArgs, departing);
  }

  private ServerLifecycle lifecycle(String agentArgs, Scheduler departingScheduler) {
    return lifecycle(agentArgs, registrar, departingScheduler);
  }

  /** A lifecycle whose server on port 50051 has started and had its registration attempt run. */
  private ServerLifecycle registered(String agentArgs) {
    return registered(agentArgs, departing);
  }

  private ServerLifecycle registered(String agentArgs, Scheduler departingScheduler) {
    ServerLifecycle lifecycle = lifecycle(agentArgs, departingScheduler);
    lifecycle.started(loopback(50051), ECHO_AND_HEALTH, NO_METHODS, null);
    scheduler.runNext();
    return lifecycle;
  }

  private static List<SocketAddress> loopback(int... ports) {
    List<SocketAddress> sockets = new ArrayList<>();
    for (int port : ports) {
      sockets.add(new InetSocketAddress("127.0.0.1", port));
    }
    return sockets;
  }

  private long logLines(String fragment) {
    return Arrays.stream(log.text().split("\n")).filter(line -> line.contains(fragment)).count();
  }

  @Test
  void registersEachBusinessServiceAtTheBoundAddressAfterTheWarmUp() {
    ServerLifecycle lifecycle = lifecycle("polaris.grpc.server.warmup=3s");
    lifecycle.started(
        loopback(50051),
        Arrays.asList("echo.Echo", "grpc.health.v1.Health", "shop.Cart"),
        NO_METHODS,
        null);

    assertEquals(Collections.singletonList(3000L), scheduler.delays);
    assertTrue(registrar.events().isEmpty(), "nothing registers before the warm-up has passed");
    assertTrue(scheduler.runNext());
    assertEquals(
        Arrays.asList(
            "register default/echo.Echo 127.0.0.1:50051",
            "register default/shop.Cart 127.0.0.1:50051"),
        registrar.events());
    assertEquals(1, logLines("INFO registered gRPC server on port 50051"));
  }

  @Test
  void theConfiguredServiceNameReplacesTheGrpcServiceNames() {
    ServerLifecycle lifecycle = lifecycle("polaris.service=shop,polaris.namespace=prod");
    lifecycle.started(loopback(7000), Arrays.asList("echo.Echo", "shop.Cart"), NO_METHODS, null);
    scheduler.runNext();

    assertEquals(
        Collections.singletonList("register prod/shop 127.0.0.1:7000"), registrar.events());
  }

  @Test
  void aWildcardBindingRegistersTheDetectedHost() {
    ServerLifecycle lifecycle = lifecycle("");
    lifecycle.started(
        Collections.singletonList(new InetSocketAddress(50051)), ECHO_AND_HEALTH, NO_METHODS, null);
    scheduler.runNext();

    assertEquals(
        Collections.singletonList("register default/echo.Echo 10.1.2.3:50051"), registrar.events());
  }

  @Test
  void serversWithNothingToAdvertiseAreNeverRegistered() {
    lifecycle("")
        .started(
            loopback(9090), Collections.singletonList("grpc.health.v1.Health"), NO_METHODS, null);
    lifecycle("polaris.service=shop")
        .started(
            loopback(9091),
            Arrays.asList("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"),
            NO_METHODS,
            null);
    lifecycle("polaris.grpc.server.ports=8080")
        .started(loopback(9092), ECHO_AND_HEALTH, NO_METHODS, null);
    List<SocketAddress> inProcess =
        Collections.<SocketAddress>singletonList(new SocketAddress() {});
    lifecycle("").started(inProcess, ECHO_AND_HEALTH, NO_METHODS, null);

    assertEquals(0, scheduler.pending());
    assertEquals(
        1, logLines("port 9090 is not registered in Polaris: it exposes only infrastructure"));
    assertEquals(
        1,
        logLines(
            "port 9092 is not registered in Polaris: its port is not in polaris.grpc.server.ports"));
    assertEquals(1, logLines("no network listen address"));
  }

  @Test
  void thePortFilterKeepsOnlyListedPorts() {
    ServerLifecycle lifecycle = lifecycle("polaris.grpc.server.ports=8080");
    lifecycle.started(loopback(8080), ECHO_AND_HEALTH, NO_METHODS, null);
    scheduler.runNext();

    assertEquals(
        Collections.singletonList("register default/echo.Echo 127.0.0.1:8080"), registrar.events());
  }

  @Test
  void retriesWithBackoffAndWarnsOnce() {
    registrar.failuresLeft = 6;
    ServerLifecycle lifecycle = lifecycle("");
    lifecycle.started(loopback(50051), ECHO_AND_HEALTH, NO_METHODS, null);
    for (int attempt = 0; attempt < 7; attempt++) {
      assertTrue(scheduler.runNext(), "attempt " + attempt);
    }

    assertEquals(Arrays.asList(0L, 1000L, 2000L, 4000L, 8000L, 10000L, 10000L), scheduler.delays);
    assertEquals(1, registrar.registrations);
    assertEquals(0, scheduler.pending());
    assertEquals(1, logLines("WARN cannot register gRPC server on port 50051"));
    assertEquals(1, logLines("(after 6 failed attempts)"));
  }

  @Test
  void aRefusedTokenIsOneErrorLineAndRegistrationIsRetried() {
    registrar.failuresLeft = 3;
    registrar.refusal = "access is not approved: invalid token";
    ServerLifecycle lifecycle = lifecycle("");
    lifecycle.started(loopback(50051), ECHO_AND_HEALTH, NO_METHODS, null);
    for (int attempt = 0; attempt < 4; attempt++) {
      assertTrue(scheduler.runNext(), "attempt " + attempt);
    }

    assertEquals(
        1,
        logLines(
            "ERROR Polaris refused to register gRPC server on port 50051: access is not"
                + " approved: invalid token; check polaris.token"));
    assertEquals(0, logLines("WARN"));
    assertEquals(1, registrar.registrations, "registered once the server accepts it");
  }

  @Test
  void aSdkThatHasNotStartedYetIsRetried() {
    registrar.ready = false;
    ServerLifecycle lifecycle = registered("");
    registrar.ready = true;
    scheduler.runNext();

    assertEquals(Arrays.asList(0L, 1000L), scheduler.delays);
    assertEquals(1, registrar.registrations);
  }

  @Test
  void aPermanentlyUnavailableSdkIsLoggedOnceAndNotRetried() {
    registrar.unavailableReason = "the agent configuration is invalid";
    ServerLifecycle first = lifecycle("");
    ServerLifecycle second = lifecycle("");
    first.started(loopback(50051), ECHO_AND_HEALTH, NO_METHODS, null);
    second.started(loopback(50052), ECHO_AND_HEALTH, NO_METHODS, null);
    scheduler.runNext();
    scheduler.runNext();

    assertEquals(0, scheduler.pending());
    assertEquals(0, registrar.registrations);
    assertEquals(
        1,
        logLines(
            "WARN gRPC servers are not registered in Polaris: the agent configuration is invalid"));
  }

  private Runnable recording(String event) {
    return () -> {
      synchronized (events) {
        events.add(event);
      }
    };
  }

  @Test
  void leavingDeregistersInTheBackgroundThenStopsAfterTheDelay() {
    ServerLifecycle lifecycle = registered("polaris.grpc.server.shutdown-delay=4s");

    lifecycle.leave(recording("stop"));
    assertEquals(
        Collections.singletonList("register default/echo.Echo 127.0.0.1:50051"),
        registrar.events(),
        "the caller's thread neither deregisters nor waits");
    assertEquals(0, clock.elapsedMillis());
    lifecycle.beginDeparture();
    departing.runAll();
    lifecycle.beginDeparture();
    lifecycle.leave(recording("stop again"));

    assertEquals(
        Arrays.asList(
            "register default/echo.Echo 127.0.0.1:50051",
            "deregister default/echo.Echo 127.0.0.1:50051 id-echo.Echo-50051",
            "stop",
            "stop again"),
        registrar.events());
    assertEquals(4000, clock.elapsedMillis(), "the stop came when the drain delay had passed");
    assertEquals(
        1,
        logLines(
            "INFO deregistered gRPC server on port 50051 from Polaris; it serves 4000 ms more"));
  }

  @Test
  void aServerThatNeverRegisteredStopsWithoutWaitingAndStopsRetrying() {
    registrar.failuresLeft = 1;
    ServerLifecycle lifecycle = registered("");
    assertEquals(1, scheduler.pending(), "a retry is scheduled");

    lifecycle.leave(recording("stop"));
    departing.runAll();

    assertEquals(0, scheduler.pending(), "the retry is cancelled");
    assertEquals(0, registrar.deregistrations);
    assertTrue(registrar.events().contains("stop"));
    assertEquals(0, clock.elapsedMillis());
  }

  @Test
  void aServerThatWasNotRegisteredStopsOnTheCallersThread() {
    ServerLifecycle lifecycle = lifecycle("");
    lifecycle.started(
        loopback(9090), Collections.singletonList("grpc.health.v1.Health"), NO_METHODS, null);

    lifecycle.leave(recording("stop"));

    assertEquals(Collections.singletonList("stop"), registrar.events());
    assertEquals(0, departing.pending());
  }

  @Test
  void departingBeforeTheWarmUpEndsRegistersNothing() {
    ServerLifecycle lifecycle = lifecycle("polaris.grpc.server.warmup=10s");
    lifecycle.started(loopback(50051), ECHO_AND_HEALTH, NO_METHODS, null);
    lifecycle.leave(recording("stop"));
    departing.runAll();

    assertEquals(0, scheduler.pending());
    assertEquals(Collections.singletonList("stop"), registrar.events());
  }

  @Test
  void theJvmExitStepDepartsEveryStartedServerWithinOneDelay() {
    ServerLifecycle first = lifecycle("", departingAtOnce);
    ServerLifecycle second = lifecycle("", departingAtOnce);
    first.started(loopback(50051), ECHO_AND_HEALTH, NO_METHODS, null);
    second.started(loopback(50052), ECHO_AND_HEALTH, NO_METHODS, null);
    scheduler.runNext();
    scheduler.runNext();

    departures.departAll();

    assertEquals(
        Arrays.asList(
            "register default/echo.Echo 127.0.0.1:50051",
            "register default/echo.Echo 127.0.0.1:50052",
            "deregister default/echo.Echo 127.0.0.1:50051 id-echo.Echo-50051",
            "deregister default/echo.Echo 127.0.0.1:50052 id-echo.Echo-50052",
            "sleep until +6000 ms",
            "sleep until +6000 ms"),
        registrar.events());
    assertEquals(6000, clock.sleptMillis(), "both servers drain within the same delay");
    departingAtOnce.runAll();
    departures.departAll();
    assertEquals(2, registrar.deregistrations, "departed servers are no longer listed");
    assertEquals(6000, clock.sleptMillis());
  }

  @Test
  void theJvmExitWaitsOnlyForWhatIsLeftOfADrainInProgress() {
    ServerLifecycle lifecycle = registered("");
    lifecycle.leave(recording("stop"));
    departing.runNext();
    clock.advanceTo(clock.nanoTime() + TimeUnit.SECONDS.toNanos(4));

    departures.departAll();

    assertEquals(
        2000, clock.sleptMillis(), "the exit waits for the rest of the drain the app began");
    assertEquals(1, registrar.deregistrations);
    assertFalse(
        registrar.events().contains("stop"), "the application's stop runs when the drain ends");
    departing.runAll();
    assertTrue(registrar.events().contains("stop"));
  }

  @Test
  void theJvmExitWithNothingRegisteredDoesNotWait() {
    registrar.failuresLeft = 1;
    ServerLifecycle failed = lifecycle("", departingAtOnce);
    failed.started(loopback(50051), ECHO_AND_HEALTH, NO_METHODS, null);
    scheduler.runNext();
    lifecycle("", departingAtOnce)
        .started(
            loopback(9090), Collections.singletonList("grpc.health.v1.Health"), NO_METHODS, null);

    departures.departAll();

    assertEquals(0, clock.elapsedMillis());
    assertEquals(0, clock.sleepers());
  }

  @Test
  void theJvmExitStopsWaitingForADeregistrationThatDoesNotEnd() {
    ServerLifecycle lifecycle = registered("");

    departures.departAll();

    assertEquals(DepartureWait.DEREGISTRATION_BOUND_MILLIS, clock.elapsedMillis());
    assertEquals(0, clock.sleepers(), "no drain is waited for what was not deregistered");
    assertEquals(
        1,
        logLines(
            "WARN deregistration of gRPC server on port 50051 from Polaris did not end within"));
  }

  @Test
  void aConcurrentSecondCallerWaitsForTheSameDeadline() throws Exception {
    ServerLifecycle lifecycle =
        registered("polaris.grpc.server.shutdown-delay=4s", departingAtOnce);
    clock.closeGate();
    lifecycle.beginDeparture();

    CountDownLatch bothDone = new CountDownLatch(2);
    Runnable caller =
        () -> {
          lifecycle.awaitDeparture();
          bothDone.countDown();
        };
    Thread first = new Thread(caller);
    Thread second = new Thread(caller);
    first.start();
    second.start();
    awaitSleepers(2);

    assertEquals(2, bothDone.getCount(), "neither caller proceeds before the delay has passed");
    openAndJoin(bothDone, first, second);
    assertEquals(1, registrar.deregistrations);
    List<Long> deadlines = clock.deadlines();
    assertEquals(deadlines.get(0), deadlines.get(1), "one deadline for both callers");
    assertEquals(4000, clock.sleptMillis());
  }

  @Test
  void aDepartureDuringARegistrationInFlightDeregistersWhatItRegistered() throws Exception {
    CountDownLatch registering = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    registrar.beforeRegister =
        () -> {
          registering.countDown();
          proceed.await();
        };
    ServerLifecycle lifecycle = lifecycle("");
    lifecycle.started(loopback(50051), ECHO_AND_HEALTH, NO_METHODS, null);

    Thread attempt = new Thread(scheduler::runNext);
    attempt.start();
    assertTrue(registering.await(10, TimeUnit.SECONDS));
    lifecycle.leave(recording("stop"));
    Thread deregistering = new Thread(departing::runNext);
    deregistering.start();
    awaitState(deregistering, Thread.State.BLOCKED);
    proceed.countDown();
    attempt.join(10_000);
    deregistering.join(10_000);
    assertFalse(deregistering.isAlive());
    departing.runAll();

    assertEquals(
        Arrays.asList(
            "register default/echo.Echo 127.0.0.1:50051",
            "deregister default/echo.Echo 127.0.0.1:50051 id-echo.Echo-50051",
            "stop"),
        registrar.events());
    assertEquals(6000, clock.elapsedMillis());
  }

  @Test
  void retryDelaysGrowToTenSeconds() {
    assertEquals(1000, RegistrationRetries.delayMillis(1));
    assertEquals(8000, RegistrationRetries.delayMillis(4));
    assertEquals(10000, RegistrationRetries.delayMillis(5));
    assertEquals(10000, RegistrationRetries.delayMillis(1000));
  }

  private void awaitSleepers(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (clock.sleepers() < count) {
      if (System.nanoTime() > deadline) {
        fail("only " + clock.sleepers() + " of " + count + " callers reached the drain wait");
      }
      Thread.sleep(1);
    }
  }

  private void openAndJoin(CountDownLatch done, Thread... threads) throws InterruptedException {
    clock.openGate();
    assertTrue(done.await(10, TimeUnit.SECONDS));
    for (Thread thread : threads) {
      thread.join(10_000);
    }
  }
}
