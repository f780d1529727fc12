package org.polarisagent.core.sdk;

import com.tencent.polaris.client.api.SDKContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.logging.ShadedJulLogging;

/**
 * The one Polaris {@link SDKContext} of the JVM.
 *
 * <p>Nothing of the SDK is loaded or started until something first needs it (the first Polaris
 * channel, the first server to register): then it is built from code in a background thread, so no
 * application thread waits for it; callers either take it if it is ready ({@link #apisIfReady()}),
 * wait a bounded time ({@link #awaitApis(long)}) or ask to be called back ({@link
 * #whenSettled(Runnable)}). When the configuration forbids contacting Polaris, or the SDK fails to
 * start, {@link #unavailableReason()} says why. Thread-safe.
 */
public final class PolarisSdk {

  /**
   * How long the agent's users of the SDK wait for it to start in the background before they give
   * up for now: a resolver fails its calls with the reason, a registration attempt is retried
   * later.
   */
  public static final long STARTUP_WAIT_MILLIS = 10_000;

  private final CountDownLatch settled = new CountDownLatch(1);

  /** Tasks to run once the SDK has started or failed; null once it has. Guarded by {@code this}. */
  private List<Runnable> onSettled = new ArrayList<>();

  private volatile SdkApis apis;

  private ScheduledFuture<?> watchdog;
  private volatile String unavailableReason;
  private volatile boolean closed;
  private final AgentConfig config;
  private final ClassLoader agentLoader;
  private final AtomicBoolean started = new AtomicBoolean();

  private PolarisSdk(AgentConfig config, ClassLoader agentLoader) {
    this.config = config;
    this.agentLoader = agentLoader;
  }

  /**
   * The SDK of this configuration, started on first need; unavailable at once when the
   * configuration says not to contact Polaris.
   */
  public static PolarisSdk create(AgentConfig config, ClassLoader agentLoader) {
    PolarisSdk sdk = new PolarisSdk(config, agentLoader);
    if (config.disconnected()) {
      sdk.fail("the agent configuration is invalid (see the ERROR above)");
    }
    return sdk;
  }

  /** An SDK that never connects; for tests. */
  public static PolarisSdk unavailable(String reason) {
    PolarisSdk sdk = new PolarisSdk(null, null);
    sdk.fail(reason);
    return sdk;
  }

  /** Wraps an already built context; for tests. */
  public static PolarisSdk of(SDKContext context) {
    PolarisSdk sdk = new PolarisSdk(null, null);
    sdk.apis = new SdkApis(context);
    sdk.settle();
    return sdk;
  }

  /**
   * Starts the SDK in a background thread now, unless it started already; done at JVM start when
   * {@code polaris.sdk.start} says so, else the first time anything asks for the SDK.
   */
  public void startInBackground() {
    startOnce();
  }

  private void startOnce() {
    if (config == null
        || closed
        || settled.getCount() == 0
        || !started.compareAndSet(false, true)) {
      return;
    }
    // Often first asked for on an application thread: the new thread must keep nothing of it.
    // Threads the SDK creates inherit its context loader, so the SDK's service lookups find the
    // agent's plugins.
    DaemonScheduler.newThread(() -> init(config), "polaris-agent-sdk-init", agentLoader).start();
  }

  private void init(AgentConfig config) {
    long start = System.nanoTime();
    try {
      ShadedJulLogging.redirect(AgentLog.Level.named(config.get(AgentConfig.SDK_LOG_LEVEL)));
      SdkConfiguration configuration = SdkConfiguration.build(config);
      SDKContext context = configuration.startContext();
      SdkApis created = new SdkApis(context);
      synchronized (this) {
        if (closed) {
          context.close();
          return;
        }
        apis = created;
        watchdog =
            DaemonScheduler.timer()
                .scheduleWithFixedDelay(
                    new StuckTaskWatchdog(context),
                    StuckTaskWatchdog.PERIOD_SECONDS,
                    StuckTaskWatchdog.PERIOD_SECONDS,
                    TimeUnit.SECONDS);
      }
      AgentLog.debug(
          "Polaris SDK started in "
              + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
              + " ms, server "
              + config.get(AgentConfig.ADDRESS)
              + (configuration.complete() ? ", defaults from the snapshot" : ""));
    } catch (Throwable t) {
      fail("the Polaris SDK failed to start: " + t);
      AgentLog.error("Polaris SDK failed to start; no registration, Polaris channels fail fast", t);
    } finally {
      settle();
    }
  }

  private void fail(String reason) {
    unavailableReason = reason;
    settle();
  }

  private void settle() {
    List<Runnable> tasks;
    synchronized (this) {
      settled.countDown();
      tasks = onSettled;
      onSettled = null;
    }
    if (tasks != null) {
      for (Runnable task : tasks) {
        try {
          task.run();
        } catch (Throwable t) {
          AgentLog.error("a task waiting for the Polaris SDK failed", t);
        }
      }
    }
  }

  /**
   * Runs {@code task} once the SDK has started or failed to: at once on this thread if it already
   * has, else on the thread that settles it (so the task must only hand work off, never block).
   */
  public void whenSettled(Runnable task) {
    startOnce();
    synchronized (this) {
      if (onSettled != null) {
        onSettled.add(task);
        return;
      }
    }
    task.run();
  }

  /** The APIs if the SDK has started, else null. */
  public SdkApis apisIfReady() {
    SdkApis current = apis;
    if (current == null && !started.get()) {
      startOnce();
    }
    return current;
  }

  /**
   * Waits at most the given time for the SDK to start; returns its APIs, or null if not (yet)
   * there.
   */
  public SdkApis awaitApis(long timeoutMillis) {
    startOnce();
    try {
      settled.await(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return apis;
  }

  /** Why the SDK is not available, or null while it is starting or once it runs. */
  public String unavailableReason() {
    startOnce();
    return unavailableReason;
  }

  /**
   * The SDK's state for metrics: not_started, starting, running, failed or closed. Reads only; does
   * not start the SDK.
   */
  public String state() {
    if (closed) {
      return "closed";
    }
    if (apis != null) {
      return "running";
    }
    if (unavailableReason != null) {
      return "failed";
    }
    return started.get() ? "starting" : "not_started";
  }

  /**
   * The agent's timer ({@link DaemonScheduler#timer()}): the SDK's maintenance and the discovery
   * timers of every Polaris channel.
   */
  public ScheduledExecutorService timer() {
    return DaemonScheduler.timer();
  }

  /**
   * The state of the SDK's connections to the Polaris server, by purpose ({@link
   * PolarisConnections}); empty while the SDK does not run. Reads only.
   */
  public Map<String, String> connectionStates() {
    SdkApis current = apis;
    return current == null
        ? java.util.Collections.<String, String>emptyMap()
        : PolarisConnections.states(current.context());
  }

  /**
   * Destroys the context; called once at JVM exit, after the servers deregistered. The SDK's close
   * waits for its own gRPC streams to end (a second each), so it runs on a daemon thread that the
   * exit does not wait for: nothing is lost, registrations are gone by then and the process is
   * ending (its sockets close with it).
   */
  public void close() {
    final SdkApis current;
    synchronized (this) {
      closed = true;
      if (watchdog != null) {
        watchdog.cancel(false);
      }
      current = apis;
      apis = null;
    }
    if (current != null) {
      DaemonScheduler.newThread(
              () -> current.context().close(), "polaris-agent-sdk-close", agentLoader)
          .start();
    }
  }
}
