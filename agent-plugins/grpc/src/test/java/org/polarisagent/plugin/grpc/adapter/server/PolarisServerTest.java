package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.plugin.grpc.ServerDepartures;

class PolarisServerTest {

  private final List<String> events = new ArrayList<>();
  private final FakeRegistrar registrar = new FakeRegistrar(events);
  private final FakeScheduler scheduler = new FakeScheduler();
  private final FakeClock clock = new FakeClock(events);
  private final RecordingServer real = new RecordingServer(events, 50051, "echo.Echo", "grpc.health.v1.Health");
  private final PolarisServer server = new PolarisServer(real, lifecycle());

  private ServerLifecycle lifecycle() {
    ProviderSettings settings =
        ProviderSettings.from(
            AgentConfig.load("polaris.grpc.server.shutdown-delay=2s", new Properties(),
                Collections.<String, String>emptyMap()),
            Collections.<String, String>emptyMap());
    InstanceHost hosts = new InstanceHost("", Collections.<String, String>emptyMap(), "", (h, p) -> null);
    return new ServerLifecycle(
        settings, hosts, registrar, scheduler, clock, new ServerDepartures(), new AtomicBoolean());
  }

  @Test
  void startReturnsTheWrapperAndSchedulesRegistrationWithoutRegisteringInline() throws Exception {
    assertSame(server, server.start());
    assertEquals(Collections.singletonList("server.start"), registrar.events());
    assertEquals(1, scheduler.pending());
  }

  @Test
  void shutdownDeregistersThenDrainsThenShutsTheServerDown() throws Exception {
    server.start();
    scheduler.runNext();

    assertSame(server, server.shutdown());
    server.shutdownNow();

    assertEquals(
        Arrays.asList(
            "server.start",
            "register default/echo.Echo 127.0.0.1:50051",
            "deregister default/echo.Echo 127.0.0.1:50051 id-echo.Echo-50051",
            "sleep until +2000 ms",
            "server.shutdown",
            "sleep until +2000 ms",
            "server.shutdownNow"),
        registrar.events());
    assertEquals(2000, clock.sleptMillis(), "the second shutdown does not wait again");
  }

  @Test
  void shutdownNowAloneAlsoDeregistersFirst() throws Exception {
    server.start();
    scheduler.runNext();
    server.shutdownNow();

    assertEquals(
        Arrays.asList(
            "server.start",
            "register default/echo.Echo 127.0.0.1:50051",
            "deregister default/echo.Echo 127.0.0.1:50051 id-echo.Echo-50051",
            "sleep until +2000 ms",
            "server.shutdownNow"),
        registrar.events());
  }

  @Test
  void aServerShutDownBeforeItStartedIsNotDelayed() {
    server.shutdown();

    assertEquals(Collections.singletonList("server.shutdown"), registrar.events());
    assertEquals(0, clock.sleepers());
  }

  @Test
  void aFailingDeregistrationStillShutsTheServerDown() throws Exception {
    Registrar broken =
        new Registrar() {
          @Override
          public String unavailableReason() {
            return null;
          }

          @Override
          public boolean awaitReady(long timeoutMillis) {
            return true;
          }

          @Override
          public String register(InstanceSpec instance) {
            return "id";
          }

          @Override
          public void deregister(InstanceSpec instance, String instanceId) {
            throw new IllegalStateException("Polaris is gone");
          }
        };
    ProviderSettings settings =
        ProviderSettings.from(
            AgentConfig.load("", new Properties(), Collections.<String, String>emptyMap()),
            Collections.<String, String>emptyMap());
    InstanceHost hosts = new InstanceHost("", Collections.<String, String>emptyMap(), "", (h, p) -> null);
    PolarisServer wrapped =
        new PolarisServer(
            real,
            new ServerLifecycle(
                settings, hosts, broken, scheduler, clock, new ServerDepartures(), new AtomicBoolean()));
    wrapped.start();
    scheduler.runNext();
    wrapped.shutdown();

    assertTrue(registrar.events().contains("server.shutdown"));
  }

  @Test
  void everyOtherMethodForwardsToTheRealServer() throws Exception {
    assertEquals(50051, server.getPort());
    assertEquals(real.getListenSockets(), server.getListenSockets());
    assertEquals(Arrays.asList("echo.Echo", "grpc.health.v1.Health"), RecordingServer.names(server.getServices()));
    assertEquals(real.getImmutableServices(), server.getImmutableServices());
    assertEquals(Collections.emptyList(), server.getMutableServices());
    assertTrue(server.isShutdown());
    assertFalse(server.isTerminated());
    assertTrue(server.awaitTermination(3, TimeUnit.SECONDS));
    server.awaitTermination();
    assertSame(real, server.delegate());

    assertEquals(
        Arrays.asList(
            "server.getPort",
            "server.getImmutableServices",
            "server.getImmutableServices",
            "server.getMutableServices",
            "server.isShutdown",
            "server.isTerminated",
            "server.awaitTermination 3 SECONDS",
            "server.awaitTermination"),
        registrar.events());
  }
}
