package org.polarisagent.core.sdk;

import java.util.concurrent.TimeUnit;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.logging.AgentLog;

/**
 * Classes of netty and gRPC whose static initializers keep the stack of the thread that initializes
 * them (in an exception made then, or a thread factory's context), initialized once on a new thread
 * of the agent's, before the agent or the SDK first builds a channel with them. Initialized on an
 * application thread, or on an agent thread that runs code of a web app's adapters, they would pin
 * that web app's class loader for the life of the JVM. Thread-safe.
 */
public final class EarlyClasses {

  /** The SDK's own gRPC and netty: initialized before its first channel ({@link SdkChannels}). */
  static final EarlyClasses SDK =
      new EarlyClasses(
          EarlyClasses.class.getClassLoader(),
          "shade.polaris.io.netty.util.concurrent.GlobalEventExecutor",
          "shade.polaris.io.grpc.internal.ManagedChannelOrphanWrapper$ManagedChannelReference");

  /**
   * How long a caller waits for the initializing thread; class initialization takes milliseconds.
   */
  private static final long WAIT_MILLIS = 10_000;

  private final ClassLoader loader;
  private final String[] names;
  private volatile boolean initialized;

  /** These classes of this loader; those it does not hold are left out. */
  public EarlyClasses(ClassLoader loader, String... names) {
    this.loader = loader;
    this.names = names.clone();
  }

  /** Initializes them once, on a new agent thread that the caller waits for. */
  public void initialize() {
    if (initialized) {
      return;
    }
    synchronized (this) {
      if (initialized) {
        return;
      }
      Thread thread =
          DaemonScheduler.newThread(
              new Runnable() {
                @Override
                public void run() {
                  initializeHere();
                }
              },
              "polaris-agent-early-classes",
              EarlyClasses.class.getClassLoader());
      thread.start();
      boolean interrupted = false;
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
      for (long left = WAIT_MILLIS; thread.isAlive() && left > 0; ) {
        try {
          thread.join(left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
        left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      initialized = true;
    }
  }

  private void initializeHere() {
    for (String name : names) {
      try {
        Class.forName(name, true, loader);
      } catch (Throwable notThere) {
        AgentLog.debug("cannot initialize " + name + " early: " + notThere);
      }
    }
  }
}
