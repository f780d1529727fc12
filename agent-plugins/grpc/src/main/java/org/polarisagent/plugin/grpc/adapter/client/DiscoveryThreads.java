package org.polarisagent.plugin.grpc.adapter.client;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.concurrent.SerialExecutor;

/**
 * The threads of one gRPC's discovery work: a small pool for blocking work, started on first need,
 * and the agent's timer thread, which only hands work to that pool. Each resolver runs its work
 * serially on the pool, so a service whose look-ups block holds up only its own resolution while
 * fewer than {@value #DISCOVERY_THREADS} services block at once; beyond, resolutions wait their
 * turn. Thread-safe.
 */
final class DiscoveryThreads {

  /** Most threads doing discovery work at once; more services wait their turn. */
  static final int DISCOVERY_THREADS = 8;

  private final ClassLoader agentLoader;
  private final ScheduledExecutorService timer;
  private ThreadPoolExecutor pool;

  DiscoveryThreads(ClassLoader agentLoader, ScheduledExecutorService timer) {
    this.agentLoader = agentLoader;
    this.timer = timer;
  }

  /** An executor that runs its tasks one at a time on the discovery pool; one per resolver. */
  synchronized Executor newSerialExecutor() {
    if (pool == null) {
      pool = DaemonScheduler.pool("polaris-agent-discovery", agentLoader, DISCOVERY_THREADS);
    }
    return new SerialExecutor(pool, timer);
  }

  /** The agent's timer thread, shared by every Polaris channel: it only hands work on. */
  ScheduledExecutorService timer() {
    return timer;
  }
}
