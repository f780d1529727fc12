package org.polarisagent.plugin.grpc.adapter.client;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.concurrent.SerialExecutor;

/**
 * The threads of one gRPC's discovery work, started on first need: a small pool for blocking work
 * and one timer thread that only hands work to that pool. Each resolver runs its work serially on
 * the pool, so a service whose look-ups block holds up only its own resolution while fewer than
 * {@value #DISCOVERY_THREADS} services block at once; beyond, resolutions wait their turn.
 * Thread-safe.
 */
final class DiscoveryThreads {

  /** Most threads doing discovery work at once; more services wait their turn. */
  static final int DISCOVERY_THREADS = 8;

  private final ClassLoader agentLoader;
  private ScheduledExecutorService timer;
  private ThreadPoolExecutor pool;

  DiscoveryThreads(ClassLoader agentLoader) {
    this.agentLoader = agentLoader;
  }

  /** An executor that runs its tasks one at a time on the discovery pool; one per resolver. */
  synchronized Executor newSerialExecutor() {
    if (pool == null) {
      pool = DaemonScheduler.pool("polaris-agent-discovery", agentLoader, DISCOVERY_THREADS);
    }
    return new SerialExecutor(pool, timer());
  }

  /**
   * One timer thread for every Polaris channel of this gRPC: it only hands work to serial
   * executors.
   */
  synchronized ScheduledExecutorService timer() {
    if (timer == null) {
      timer = DaemonScheduler.create("polaris-agent-discovery-timer", agentLoader);
    }
    return timer;
  }
}
