package org.polarisagent.core.sdk;

import java.util.concurrent.TimeUnit;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.logging.AgentLog;

/**
 * Initializes, on a thread of the agent's own and before the SDK first makes a channel of its own
 * gRPC ({@link SdkChannels}), the SDK classes whose static initializers keep the initializing
 * thread's stack: the SDK's global event executor and its channel references. Initialized on an
 * application thread, or on an agent thread that runs a web app's adapters, they would pin that
 * class loader for the life of the JVM. (The SDK's channels would keep the stack of the thread that
 * creates each of them too, but {@link SdkProperties} turns that recording off.) When the SDK
 * connects over the application's gRPC they are never needed. Thread-safe.
 */
final class EarlySdkClasses {

  private static final String[] STACK_CAPTURING_CLASSES = {
    "shade.polaris.io.netty.util.concurrent.GlobalEventExecutor",
    "shade.polaris.io.grpc.internal.ManagedChannelOrphanWrapper$ManagedChannelReference",
  };

  /**
   * How long a caller waits for the initializing thread; class initialization takes milliseconds.
   */
  private static final long WAIT_MILLIS = 10_000;

  private static volatile boolean initialized;

  private EarlySdkClasses() {}

  /** Initializes them once, on a new agent thread that the caller waits for. */
  static void initialize() {
    if (initialized) {
      return;
    }
    synchronized (EarlySdkClasses.class) {
      if (initialized) {
        return;
      }
      Thread thread =
          DaemonScheduler.newThread(
              EarlySdkClasses::initializeHere,
              "polaris-agent-sdk-classes",
              EarlySdkClasses.class.getClassLoader());
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

  private static void initializeHere() {
    for (String name : STACK_CAPTURING_CLASSES) {
      try {
        Class.forName(name, true, EarlySdkClasses.class.getClassLoader());
      } catch (Throwable notThere) {
        AgentLog.debug("cannot initialize " + name + " early: " + notThere);
      }
    }
  }
}
