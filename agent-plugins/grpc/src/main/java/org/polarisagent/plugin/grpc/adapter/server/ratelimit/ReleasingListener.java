package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.ServerCall;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.polarisagent.core.logging.AgentLog;

/**
 * Gives back the quota a call holds (concurrency rules) once the call has ended, completed or
 * cancelled. Thread-safe.
 */
final class ReleasingListener<ReqT> extends SimpleForwardingServerCallListener<ReqT> {

  private final List<Runnable> releases;
  private final AtomicBoolean released = new AtomicBoolean();

  ReleasingListener(ServerCall.Listener<ReqT> delegate, List<Runnable> releases) {
    super(delegate);
    this.releases = releases;
  }

  @Override
  public void onComplete() {
    try {
      super.onComplete();
    } finally {
      release();
    }
  }

  @Override
  public void onCancel() {
    try {
      super.onCancel();
    } finally {
      release();
    }
  }

  private void release() {
    if (released.compareAndSet(false, true)) {
      runAll(releases);
    }
  }

  /** Runs the SDK's release actions; one that fails does not keep the others from running. */
  static void runAll(List<Runnable> releases) {
    for (Runnable release : releases) {
      try {
        release.run();
      } catch (Throwable t) {
        AgentLog.debug("a Polaris rate-limit release failed: " + t);
      }
    }
  }
}
