package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PolarisServerTest extends ServerLifecycleFixture {

  /** A server that was registered, deregistered and then stopped by {@code shutdownNow()}. */
  private static final List<String> REGISTERED_THEN_STOPPED_NOW =
      Arrays.asList(
          "server.start",
          "register default/echo.Echo 127.0.0.1:50051",
          "deregister default/echo.Echo 127.0.0.1:50051 id-echo.Echo-50051",
          "server.shutdownNow");

  private final RecordingServer real =
      new RecordingServer(events, 50051, "echo.Echo", "grpc.health.v1.Health");
  private final PolarisServer server = new PolarisServer(real, lifecycle(registrar));

  private ServerLifecycle lifecycle(Registrar using) {
    return lifecycle("polaris.grpc.server.shutdown-delay=2s", using, departing);
  }

  private PolarisServer registeredServer(RecordingServer recording) throws IOException {
    PolarisServer wrapped = new PolarisServer(recording, lifecycle(registrar));
    wrapped.start();
    scheduler.runNext();
    return wrapped;
  }

  @Test
  void startReturnsTheWrapperAndSchedulesRegistrationWithoutRegisteringInline() throws Exception {
    assertSame(server, server.start());
    assertEquals(Collections.singletonList("server.start"), registrar.events());
    assertEquals(1, scheduler.pending());
  }

  @Test
  void shutdownReturnsAtOnceThenDeregistersDrainsAndShutsTheRealServerDown() throws Exception {
    server.start();
    scheduler.runNext();

    long before = clock.nanoTime();
    long realBefore = System.nanoTime();
    assertSame(server, server.shutdown());
    assertTrue(
        clock.nanoTime() - before < TimeUnit.MILLISECONDS.toNanos(50), "shutdown() took fake time");
    assertTrue(System.nanoTime() - realBefore < TimeUnit.SECONDS.toNanos(1), "shutdown() blocked");
    assertTrue(server.isShutdown(), "isShutdown() is true as soon as shutdown() returned");
    assertFalse(server.isTerminated());
    assertEquals(
        Arrays.asList("server.start", "register default/echo.Echo 127.0.0.1:50051"),
        registrar.events(),
        "deregistration runs off the caller's thread");

    assertTrue(departing.runNext());
    assertTrue(
        registrar
            .events()
            .contains("deregister default/echo.Echo 127.0.0.1:50051 id-echo.Echo-50051"));
    assertFalse(
        registrar.events().contains("server.shutdown"), "the real server serves during the drain");
    assertFalse(server.awaitTermination(0, TimeUnit.SECONDS), "not terminated while draining");
    assertFalse(server.isTerminated());

    assertTrue(departing.runNext());
    assertEquals(
        2000, clock.elapsedMillis(), "the real server stops when the drain delay has passed");
    assertTrue(registrar.events().contains("server.shutdown"));
    assertTrue(server.awaitTermination(1, TimeUnit.SECONDS));
    assertTrue(server.isTerminated());
    assertEquals(0, departing.pending());
  }

  @Test
  void awaitTerminationWaitsForTheDrainAndTheRealServer() throws Exception {
    server.start();
    scheduler.runNext();
    server.shutdown();
    departing.runNext();

    CountDownLatch terminated = new CountDownLatch(1);
    Thread waiter =
        new Thread(
            () -> {
              try {
                server.awaitTermination();
                terminated.countDown();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    waiter.start();
    awaitState(waiter, Thread.State.WAITING);
    assertEquals(1, terminated.getCount(), "awaitTermination() returned during the drain");

    departing.runNext();
    assertTrue(terminated.await(10, TimeUnit.SECONDS));
    assertTrue(
        registrar.events().indexOf("server.shutdown")
            < registrar.events().indexOf("server.awaitTermination"));
    waiter.join(10_000);
  }

  @Test
  void shutdownNowDuringTheDrainWaitsForItThenStopsTheRealServerNow() throws Exception {
    server.start();
    scheduler.runNext();
    server.shutdown();
    departing.runNext();
    server.shutdownNow();
    assertFalse(registrar.events().contains("server.shutdownNow"), "the drain is not cut short");

    departing.runNext();

    assertEquals(REGISTERED_THEN_STOPPED_NOW, registrar.events());
    assertEquals(1, registrar.deregistrations);
  }

  @Test
  void shutdownNowAfterTheDrainReachesTheRealServerAtOnce() throws Exception {
    server.start();
    scheduler.runNext();
    server.shutdown();
    departing.runAll();
    server.shutdownNow();

    List<String> seen = registrar.events();
    assertEquals(
        Arrays.asList("server.shutdown", "server.shutdownNow"),
        seen.subList(seen.size() - 2, seen.size()));
  }

  @Test
  void shutdownNowAloneAlsoDeregistersFirst() throws Exception {
    server.start();
    scheduler.runNext();
    server.shutdownNow();
    assertTrue(server.isShutdown());
    departing.runAll();

    assertEquals(REGISTERED_THEN_STOPPED_NOW, registrar.events());
  }

  @Test
  void aServerShutDownBeforeItStartedStopsAtOnce() throws Exception {
    server.shutdown();

    assertEquals(Collections.singletonList("server.shutdown"), registrar.events());
    assertTrue(server.awaitTermination(0, TimeUnit.SECONDS));
    assertEquals(0, departing.pending());
  }

  @Test
  void aServerWhoseRegistrationNeverSucceededStopsWithoutADrain() throws Exception {
    registrar.failuresLeft = 1;
    server.start();
    scheduler.runNext();
    server.shutdown();
    departing.runAll();

    assertEquals(0, clock.elapsedMillis());
    assertTrue(registrar.events().contains("server.shutdown"));
    assertEquals(0, registrar.deregistrations);
  }

  @Test
  void aServerWhoseStartThrowsIsNeverRegistered() throws Exception {
    real.startFailure = new IOException("Failed to bind to address 127.0.0.1:50051");

    assertThrows(IOException.class, server::start);
    assertEquals(0, scheduler.pending());
    server.shutdown();
    assertTrue(
        registrar.events().contains("server.shutdown"), "it stops at once, with nothing to drain");
    assertEquals(0, registrar.registrations);
  }

  @Test
  void aServerStartedTwiceIsRegisteredOnce() throws Exception {
    server.start();
    server.start();
    scheduler.runAll();

    assertEquals(1, registrar.registrations);
  }

  @Test
  void threeServersStoppedInARowTakeOneDrain() throws Exception {
    List<RecordingServer> reals = new ArrayList<>();
    List<PolarisServer> servers = new ArrayList<>();
    for (int port = 50051; port <= 50053; port++) {
      RecordingServer recording = new RecordingServer(events, port, "echo.Echo");
      reals.add(recording);
      servers.add(registeredServer(recording));
    }

    for (PolarisServer each : servers) {
      each.shutdown();
    }
    departing.runAll();

    assertEquals(3, registrar.deregistrations);
    assertEquals(2000, clock.elapsedMillis(), "the three drains overlap");
    for (PolarisServer each : servers) {
      assertTrue(each.isTerminated());
    }
  }

  @Test
  void aFailingDeregistrationStillShutsTheServerDown() throws Exception {
    FakeRegistrar broken = new FakeRegistrar(new ArrayList<String>());
    broken.deregisterFailure = new IllegalStateException("Polaris is gone");
    PolarisServer wrapped = new PolarisServer(real, lifecycle(broken));
    wrapped.start();
    scheduler.runNext();
    wrapped.shutdown();
    departing.runAll();

    assertTrue(registrar.events().contains("server.shutdown"));
  }

  @Test
  void everyOtherMethodForwardsToTheRealServer() throws Exception {
    assertEquals(50051, server.getPort());
    assertEquals(real.getListenSockets(), server.getListenSockets());
    assertEquals(
        Arrays.asList("echo.Echo", "grpc.health.v1.Health"),
        RecordingServer.names(server.getServices()));
    assertEquals(real.getImmutableServices(), server.getImmutableServices());
    assertEquals(Collections.emptyList(), server.getMutableServices());
    assertFalse(server.isShutdown());
    assertSame(real, server.delegate());
    server.shutdown();
    assertTrue(server.isTerminated());
    assertTrue(server.awaitTermination(3, TimeUnit.SECONDS));
    server.awaitTermination();

    List<String> seen = registrar.events();
    assertEquals(
        Arrays.asList(
            "server.getPort",
            "server.getImmutableServices",
            "server.getImmutableServices",
            "server.getMutableServices",
            "server.isShutdown",
            "server.shutdown",
            "server.isTerminated"),
        seen.subList(0, 7));
    assertTrue(
        seen.get(7).startsWith("server.awaitTermination ") && seen.get(7).endsWith(" NANOSECONDS"),
        seen.get(7));
    assertEquals("server.awaitTermination", seen.get(8));
  }
}
