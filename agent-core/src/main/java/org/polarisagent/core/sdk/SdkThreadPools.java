package org.polarisagent.core.sdk;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.concurrent.SerialScheduler;

/**
 * The thread pools of the SDK's libraries, once the dist build pointed their making here ({@link
 * SdkCallRedirect}): they run on the agent's shared pool ({@link DaemonScheduler#sharedPool()}), so
 * the SDK's single-thread schedulers (a dozen or so, each idle nearly always) and its gRPC's
 * executor cost a thread or two in all. Stateless.
 */
public final class SdkThreadPools {

  private SdkThreadPools() {}

  /**
   * In place of {@code Executors.newCachedThreadPool} (the executor of the SDK's gRPC, {@code
   * grpc-default-executor}): its tasks run on the shared pool, unbounded (the SDK's gRPC calls back
   * on it and some callbacks wait for others). Shutting it down stops it taking tasks.
   */
  public static ExecutorService cached(ThreadFactory ignored) {
    return DaemonScheduler.sharedView();
  }

  /**
   * In place of {@code Executors.newSingleThreadScheduledExecutor}: a {@link SerialScheduler},
   * named as the factory names its threads.
   */
  public static ScheduledExecutorService singleThreadScheduler(ThreadFactory threads) {
    return new SerialScheduler(1, threads);
  }

  /**
   * In place of {@code Executors.newFixedThreadPool}: one thread's worth is a {@link
   * SerialScheduler}; more, the JDK's pool.
   */
  public static ExecutorService fixed(int threads, ThreadFactory factory) {
    return threads == 1
        ? new SerialScheduler(1, factory)
        : Executors.newFixedThreadPool(threads, factory);
  }
}
