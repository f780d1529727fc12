package org.polarisagent.plugin.grpc.adapter.server;

import java.util.concurrent.Future;

/**
 * Runs Polaris work of servers in the background after a delay. Implementations are thread-safe.
 */
interface Scheduler {

  /** Runs the task once after the delay; the returned future cancels it. */
  Future<?> schedule(Runnable task, long delayMillis);
}
