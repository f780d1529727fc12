package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.plugin.grpc.ServerDepartures;

/**
 * What the tests of a server's lifecycle share: one event list that the fake registrar, the fake
 * clock and recording servers write to in order, fake schedulers, and lifecycles built on them.
 */
abstract class ServerLifecycleFixture {

  final List<String> events = new ArrayList<>();
  final FakeRegistrar registrar = new FakeRegistrar(events);
  final FakeScheduler scheduler = new FakeScheduler();
  final FakeClock clock = new FakeClock(events);

  /**
   * Runs deregistrations only when a test says so, and ends drains at their moment on the fake
   * clock.
   */
  final FakeScheduler departing = new FakeScheduler(clock, false);

  /**
   * Deregisters on the thread that begins the departure, as if a background thread were instant.
   */
  final FakeScheduler departingAtOnce = new FakeScheduler(clock, true);

  final ServerDepartures departures = new ServerDepartures();
  final AtomicBoolean unavailableLogged = new AtomicBoolean();

  /** The provider settings of these agent arguments, with no environment. */
  static ProviderSettings settings(String agentArgs) {
    return ProviderSettings.from(
        AgentConfig.load(agentArgs, new Properties(), Collections.<String, String>emptyMap()),
        Collections.<String, String>emptyMap());
  }

  /**
   * A lifecycle configured by {@code agentArgs}; a server bound to all interfaces registers as
   * 10.1.2.3.
   */
  ServerLifecycle lifecycle(String agentArgs, Registrar using, Scheduler departingScheduler) {
    InstanceHost hosts =
        new InstanceHost(
            "",
            Collections.<String, String>emptyMap(),
            "127.0.0.1:8091",
            (host, port) -> java.net.InetAddress.getByName("10.1.2.3"));
    return new ServerLifecycle(
        settings(agentArgs),
        hosts,
        using,
        scheduler,
        departingScheduler,
        clock,
        departures,
        unavailableLogged);
  }

  /**
   * Waits until another thread is in the given state, as when it is blocked on a lock; at most 10
   * s.
   */
  static void awaitState(Thread thread, Thread.State state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (thread.getState() != state) {
      if (System.nanoTime() > deadline) {
        fail(thread + " never reached " + state + ", it is " + thread.getState());
      }
      Thread.sleep(1);
    }
  }
}
