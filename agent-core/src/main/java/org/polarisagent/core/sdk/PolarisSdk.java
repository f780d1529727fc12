package org.polarisagent.core.sdk;

import com.tencent.polaris.api.config.Configuration;
import com.tencent.polaris.client.api.SDKContext;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.logging.ShadedJulLogging;

/**
 * The one Polaris {@link SDKContext} of the JVM.
 *
 * <p>It is built from code in a background thread started by premain, so the application's startup never
 * waits for it; callers either take it if it is ready ({@link #apisIfReady()}) or wait a bounded time
 * ({@link #awaitApis(long)}). When the configuration forbids contacting Polaris, or the SDK fails to
 * start, {@link #unavailableReason()} says why. Thread-safe.
 */
public final class PolarisSdk {

  private static final String LOG_HOME_PROPERTY = "polaris.log.home";
  /** Classes of the SDK whose static state keeps a stack trace of the thread that initializes them. */
  private static final String[] STACK_CAPTURING_CLASSES = {
    "shade.polaris.io.netty.util.concurrent.GlobalEventExecutor",
    "shade.polaris.io.grpc.internal.ManagedChannelOrphanWrapper$ManagedChannelReference",
  };
  /** Read once, when the class above initializes: off, the SDK's channels keep no stack of their creator. */
  private static final String CHANNEL_ALLOCATION_TRACKING =
      "shade.polaris.io.grpc.ManagedChannel.enableAllocationTracking";

  private final CountDownLatch settled = new CountDownLatch(1);
  private volatile SdkApis apis;
  private final ScheduledThreadPoolExecutor scheduler =
      DaemonScheduler.create("polaris-agent-sdk-maintenance", PolarisSdk.class.getClassLoader());
  private volatile String unavailableReason;
  private volatile boolean closed;

  private PolarisSdk() {}

  /** Starts the SDK in the background, unless the configuration says not to contact Polaris. */
  public static PolarisSdk start(final AgentConfig config, final ClassLoader agentLoader) {
    final PolarisSdk sdk = new PolarisSdk();
    if (config.disconnected()) {
      sdk.fail("the agent configuration is invalid (see the ERROR above)");
      return sdk;
    }
    Thread init =
        new Thread(
            new Runnable() {
              @Override
              public void run() {
                sdk.init(config);
              }
            },
            "polaris-agent-sdk-init");
    init.setDaemon(true);
    // Threads the SDK creates inherit this loader, so its service lookups find the agent's plugins.
    init.setContextClassLoader(agentLoader);
    init.start();
    return sdk;
  }

  /** An SDK that never connects; for configurations that forbid contacting Polaris and for tests. */
  public static PolarisSdk unavailable(String reason) {
    PolarisSdk sdk = new PolarisSdk();
    sdk.fail(reason);
    return sdk;
  }

  /** Wraps an already built context; for tests. */
  public static PolarisSdk of(SDKContext context) {
    PolarisSdk sdk = new PolarisSdk();
    sdk.apis = new SdkApis(context);
    sdk.settled.countDown();
    return sdk;
  }

  private void init(AgentConfig config) {
    long start = System.nanoTime();
    // The SDK's logging bootstrap sets this JVM-wide property; the application must not see it change.
    String logHome = System.getProperty(LOG_HOME_PROPERTY);
    try {
      ShadedJulLogging.redirect(AgentLog.Level.named(config.get(AgentConfig.SDK_LOG_LEVEL)));
      Configuration configuration = SdkConfiguration.build(config);
      initializeStackCapturingClasses();
      SDKContext context = SDKContext.initContextByConfig(configuration);
      SdkApis created = new SdkApis(context);
      synchronized (this) {
        if (closed) {
          context.close();
          return;
        }
        apis = created;
        scheduler.scheduleWithFixedDelay(new StuckTaskWatchdog(context), StuckTaskWatchdog.PERIOD_SECONDS,
            StuckTaskWatchdog.PERIOD_SECONDS, TimeUnit.SECONDS);
      }
      AgentLog.debug("Polaris SDK started in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
          + " ms, server " + config.get(AgentConfig.ADDRESS));
    } catch (Throwable t) {
      fail("the Polaris SDK failed to start: " + t);
      AgentLog.error("Polaris SDK failed to start; no registration, Polaris channels fail fast", t);
    } finally {
      if (logHome == null) {
        System.clearProperty(LOG_HOME_PROPERTY);
      } else {
        System.setProperty(LOG_HOME_PROPERTY, logHome);
      }
      settled.countDown();
    }
  }

  /**
   * Initializes, on this agent-only thread, the SDK classes whose static state keeps a stack trace of the
   * thread that initializes them (an exception made once, with the classes on that stack), with the SDK's
   * channels told not to keep the stack of the thread that creates them. Otherwise a server's first
   * registration, which creates the SDK's channels, would pin that application's class loader (whose classes
   * are on its stack) for the life of the JVM. The property is the SDK's relocated one and is set only while
   * its class initializes.
   */
  private static void initializeStackCapturingClasses() {
    boolean set = System.getProperty(CHANNEL_ALLOCATION_TRACKING) == null;
    if (set) {
      System.setProperty(CHANNEL_ALLOCATION_TRACKING, "false");
    }
    try {
      for (String name : STACK_CAPTURING_CLASSES) {
        try {
          Class.forName(name, true, PolarisSdk.class.getClassLoader());
        } catch (Throwable notThere) {
          AgentLog.debug("cannot initialize " + name + " early: " + notThere);
        }
      }
    } finally {
      if (set) {
        System.clearProperty(CHANNEL_ALLOCATION_TRACKING);
      }
    }
  }

  private void fail(String reason) {
    unavailableReason = reason;
    settled.countDown();
  }

  /** The APIs if the SDK has started, else null. */
  public SdkApis apisIfReady() {
    return apis;
  }

  /** Waits at most the given time for the SDK to start; returns its APIs, or null if not (yet) there. */
  public SdkApis awaitApis(long timeoutMillis) {
    try {
      settled.await(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return apis;
  }

  /** Why the SDK is not available, or null while it is starting or once it runs. */
  public String unavailableReason() {
    return unavailableReason;
  }

  /** Destroys the context; called once at JVM exit, after the servers deregistered. */
  public synchronized void close() {
    closed = true;
    scheduler.shutdownNow();
    SdkApis current = apis;
    apis = null;
    if (current != null) {
      current.context().close();
    }
  }
}
