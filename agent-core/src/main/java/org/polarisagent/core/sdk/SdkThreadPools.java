package org.polarisagent.core.sdk;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The thread pools of the SDK's libraries, once the dist build pointed their making here ({@link
 * SdkCallRedirect}). Stateless.
 */
public final class SdkThreadPools {

  /**
   * How long an idle thread of the SDK's gRPC executor lives: the JDK's cached pool keeps one for a
   * minute, so the few threads of the SDK's start stay long after; its steady work needs about one.
   */
  static final long IDLE_SECONDS = 5;

  private SdkThreadPools() {}

  /**
   * A cached pool as {@code Executors.newCachedThreadPool} makes, unbounded (the SDK's gRPC calls
   * back on it and some callbacks wait for others), whose idle threads end after {@value
   * #IDLE_SECONDS} s.
   */
  public static ExecutorService cached(ThreadFactory threads) {
    return new ThreadPoolExecutor(
        0,
        Integer.MAX_VALUE,
        IDLE_SECONDS,
        TimeUnit.SECONDS,
        new SynchronousQueue<Runnable>(),
        threads);
  }
}
