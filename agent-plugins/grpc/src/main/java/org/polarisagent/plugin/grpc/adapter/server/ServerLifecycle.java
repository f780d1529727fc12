package org.polarisagent.plugin.grpc.adapter.server;

import java.net.SocketAddress;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.sdk.PolarisSdk;
import org.polarisagent.plugin.grpc.ServerDepartures;

/**
 * The Polaris side of one gRPC server: once the server has started, registers it as its {@link
 * RegistrationPlan} says, in the background (after the warm-up delay), retrying with backoff while
 * Polaris cannot be reached; when the server shuts down or the JVM exits, deregisters it in the
 * background and lets it serve for the drain delay before the application's stop runs. Nobody waits
 * for this but the JVM exit ({@link #awaitDeparture()}).
 *
 * <p>The departure happens once: every caller of {@link #awaitDeparture()}, concurrent or later,
 * returns at the same moment, the drain deadline, or at once if it has passed or the server was
 * never registered. Nothing here throws into the application. Thread-safe.
 */
final class ServerLifecycle implements ServerDepartures.Departure {

  private final ProviderSettings settings;
  private final InstanceHost hosts;
  private final Registrar registrar;
  private final Scheduler scheduler;
  private final Scheduler departingScheduler;
  private final Clock clock;
  private final ServerDepartures departures;
  private final AtomicBoolean unavailableLogged;

  /**
   * Held by a registration attempt while it talks to Polaris, and by the departure while it takes
   * over.
   */
  private final Object attemptLock = new Object();

  private final Object lock = new Object();
  // Guarded by lock.
  private boolean started;
  private boolean departing;
  private boolean drained;
  private Runnable afterDrain;
  private long departureBeganNanos;
  private String name = "gRPC server";
  private RegistrationPlan plan;
  private List<InstanceSpec> instances;
  private final RegisteredInstances registered = new RegisteredInstances();
  private final RegistrationRetries retries = new RegistrationRetries();
  private Future<?> scheduled;
  private long startedNanos;
  private volatile HealthGate health = HealthGate.NONE;

  private final DepartureWait exitWait;

  ServerLifecycle(
      ProviderSettings settings,
      InstanceHost hosts,
      Registrar registrar,
      Scheduler scheduler,
      Scheduler departingScheduler,
      Clock clock,
      ServerDepartures departures,
      AtomicBoolean unavailableLogged) {
    this.settings = settings;
    this.hosts = hosts;
    this.registrar = registrar;
    this.scheduler = scheduler;
    this.departingScheduler = departingScheduler;
    this.clock = clock;
    this.departures = departures;
    this.unavailableLogged = unavailableLogged;
    this.exitWait = new DepartureWait(clock);
  }

  /**
   * Called once the server's {@code start()} has returned: decides whether and as what it
   * registers, and if so schedules the registration. Returns at once.
   *
   * @param listenSockets the server's bound addresses; anything but an {@link
   *     java.net.InetSocketAddress} is not a network listener (in-process) and is never registered
   * @param exposedServices full names of the gRPC services the server exposes
   * @param methods full names of the server's methods, {@code pkg.Service/Method}
   * @param probe reads the server's own health status; null if it has no health service
   */
  public void started(
      List<? extends SocketAddress> listenSockets,
      List<String> exposedServices,
      List<String> methods,
      HealthProbe probe) {
    RegistrationPlan decided =
        RegistrationPlan.of(settings, listenSockets, exposedServices, methods);
    if (decided.skipped != null) {
      AgentLog.info(decided.serverName + " is not registered in Polaris: " + decided.skipped);
      return;
    }
    synchronized (lock) {
      if (started || departing) {
        return;
      }
      started = true;
      name = decided.serverName;
      plan = decided;
      startedNanos = clock.nanoTime();
      if (settings.healthAware) {
        health = HealthGate.of(probe, settings.healthWaitMillis, name, clock);
      }
      scheduled = scheduler.schedule(this::attemptSafely, settings.warmupMillis);
    }
    departures.add(this);
    AgentLog.debug(
        decided.serverName
            + " will register as "
            + decided.services
            + (settings.warmupMillis > 0
                ? " after a warm-up of " + settings.warmupMillis + " ms"
                : ""));
  }

  private void attemptSafely() {
    try {
      attempt();
    } catch (Throwable t) {
      AgentLog.warn("registration of a gRPC server failed unexpectedly: " + t);
    }
  }

  private void attempt() {
    synchronized (lock) {
      if (departing) {
        return;
      }
      scheduled = null;
    }
    if (unavailable()) {
      return;
    }
    if (!registrar.awaitReady(PolarisSdk.STARTUP_WAIT_MILLIS)) {
      if (!unavailable()) {
        retryLater(new IllegalStateException("the Polaris SDK has not started yet"));
      }
      return;
    }
    HealthGate gate = health;
    if (!gate.mayRegister()) {
      synchronized (lock) {
        if (gate.waiting() && !departing) {
          scheduled = scheduler.schedule(this::attemptSafely, HealthGate.POLL_MILLIS);
        }
      }
      return;
    }
    Throwable failure = null;
    List<InstanceSpec> done;
    synchronized (attemptLock) {
      List<InstanceSpec> todo;
      synchronized (lock) {
        if (departing) {
          return;
        }
        if (instances == null) {
          instances = plan.instances(hosts, settings.namespace);
        }
        todo = registered.missing(instances);
      }
      for (InstanceSpec instance : todo) {
        try {
          String id = registrar.register(instance, gate.inRotation());
          synchronized (lock) {
            registered.registered(instance, id);
          }
        } catch (Throwable t) {
          // Polaris is most likely unreachable: the other instances would fail alike.
          failure = t;
          break;
        }
      }
      synchronized (lock) {
        done = registered.registered();
      }
    }
    if (failure != null) {
      retryLater(failure);
      return;
    }
    int failed;
    long sinceStart;
    List<ServiceContract> contracts;
    synchronized (lock) {
      contracts = departing ? Collections.<ServiceContract>emptyList() : plan.contracts;
      failed = retries.failures();
      sinceStart = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - startedNanos);
    }
    AgentLog.info(
        String.format(
            "registered %s in Polaris as %s, %d ms after start%s",
            name, done, sinceStart, failed > 0 ? " (after " + failed + " failed attempts)" : ""));
    ServiceContract.reportAll(registrar, contracts);
    gate.follow(scheduler, this::rotate);
  }

  /** Puts the registered instances out of rotation (weight 0) or back, as the health says. */
  private boolean rotate(boolean inRotation) {
    synchronized (attemptLock) {
      List<InstanceSpec> all;
      synchronized (lock) {
        all = departing ? Collections.<InstanceSpec>emptyList() : registered.registered();
      }
      boolean allDone = true;
      for (InstanceSpec instance : all) {
        try {
          registrar.register(instance, inRotation);
        } catch (Throwable t) {
          allDone = false;
          AgentLog.warn("cannot update " + instance + " in Polaris (tried again in 1 s): " + t);
        }
      }
      health.rotated(inRotation, allDone); // before a departure waiting for the lock goes on
      return allDone;
    }
  }

  /** True, after one log line per application, when registration can never succeed. */
  private boolean unavailable() {
    String reason = registrar.unavailableReason();
    if (reason != null && unavailableLogged.compareAndSet(false, true)) {
      AgentLog.warn("gRPC servers are not registered in Polaris: " + reason);
    }
    return reason != null;
  }

  private void retryLater(Throwable failure) {
    String refused = registrar.refusal(failure);
    RegistrationRetries.Failure failed;
    synchronized (lock) {
      if (departing) {
        return;
      }
      failed = retries.failed(name, failure, refused);
      scheduled = scheduler.schedule(this::attemptSafely, failed.delayMillis);
    }
    failed.log();
  }

  /**
   * Once the app shut the server down: begins the departure, and has {@code stop} run (once) after
   * the drain on a background thread, or at once on this thread if nothing was registered or the
   * drain is over. Returns at once.
   */
  void leave(Runnable stop) {
    boolean over;
    synchronized (lock) {
      over = drained;
      if (!over) {
        afterDrain = stop;
      }
    }
    if (over) {
      run(stop);
    } else {
      beginDeparture();
    }
  }

  @Override
  public void beginDeparture() {
    boolean registering;
    synchronized (lock) {
      if (departing) {
        return;
      }
      departing = true;
      departureBeganNanos = clock.nanoTime();
      registering = started;
      if (scheduled != null) {
        scheduled.cancel(false);
        scheduled = null;
      }
      health.stop();
    }
    if (!registering) {
      exitWait.deregistered(0);
      finish();
      return;
    }
    try {
      departingScheduler.schedule(this::deregister, 0);
    } catch (Throwable t) {
      AgentLog.warn(
          String.format(
              "cannot deregister %s from Polaris (%s); it expires after 3 missed heartbeats",
              name, t));
      exitWait.deregistered(0);
      finish();
    }
  }

  /** Deregisters what the server registered; the departure ends once the drain delay passed. */
  private void deregister() {
    long delayMillis = 0;
    boolean settling = false;
    try {
      Map<InstanceSpec, String> leaving;
      // Waits for a registration or rotation in flight, so that what it registers is deregistered.
      synchronized (attemptLock) {
        long settleMillis = health.settleMillis();
        if (settleMillis > 0) { // Polaris may not have applied the last rotation yet
          departingScheduler.schedule(this::deregister, settleMillis);
          settling = true;
          return;
        }
        synchronized (lock) {
          leaving = registered.takeAll();
        }
      }
      for (Map.Entry<InstanceSpec, String> instance : leaving.entrySet()) {
        try {
          registrar.deregister(instance.getKey(), instance.getValue());
        } catch (Throwable t) {
          AgentLog.warn(
              String.format(
                  "cannot deregister %s from Polaris (%s); it expires after 3 missed heartbeats",
                  instance.getKey(), t));
        }
      }
      // Out of rotation for NOT_SERVING a while ago: consumers sent it nothing since.
      delayMillis = leaving.isEmpty() ? 0 : health.drainMillis(settings.shutdownDelayMillis);
      if (delayMillis > 0) {
        AgentLog.info(
            String.format(
                "deregistered %s from Polaris; it serves %d ms more before shutting down",
                name, delayMillis));
      }
    } catch (Throwable t) {
      AgentLog.warn("deregistration of " + name + " failed unexpectedly: " + t);
    } finally {
      if (!settling) {
        exitWait.deregistered(delayMillis);
      }
    }
    if (delayMillis <= 0) {
      finish();
      return;
    }
    try {
      departingScheduler.schedule(this::finish, delayMillis);
    } catch (Throwable t) {
      AgentLog.warn("cannot wait for the drain of " + name + " (" + t + "); it shuts down now");
      finish();
    }
  }

  /**
   * Ends the departure: the server is no longer waited for at exit, and the application's stop
   * runs.
   */
  private void finish() {
    Runnable stop;
    synchronized (lock) {
      if (drained) {
        return;
      }
      drained = true;
      stop = afterDrain;
      afterDrain = null;
    }
    departures.remove(this);
    if (stop != null) {
      run(stop);
    }
  }

  private void run(Runnable stop) {
    try {
      stop.run();
    } catch (Throwable t) {
      AgentLog.warn("shutting down " + name + " failed: " + t);
    }
  }

  /**
   * Waits until the drain delay after deregistration has passed ({@link DepartureWait}). Returns at
   * once when the departure has not begun, is over or registered nothing.
   */
  @Override
  public void awaitDeparture() {
    long began;
    synchronized (lock) {
      if (!departing || drained) {
        return;
      }
      began = departureBeganNanos;
    }
    exitWait.await(began, name);
  }
}
