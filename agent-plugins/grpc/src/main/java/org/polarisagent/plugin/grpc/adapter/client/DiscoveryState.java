package org.polarisagent.plugin.grpc.adapter.client;

/**
 * Remembers whether discovery last failed, so that an outage gives one WARN line and its end one
 * INFO line, not a line per attempt. Thread-safe.
 */
final class DiscoveryState {

  private boolean failing;

  /** Records a failure; true if it is the first of an outage. */
  synchronized boolean failed() {
    boolean first = !failing;
    failing = true;
    return first;
  }

  /** Records a success; true if it ends an outage. */
  synchronized boolean recovered() {
    boolean wasFailing = failing;
    failing = false;
    return wasFailing;
  }
}
