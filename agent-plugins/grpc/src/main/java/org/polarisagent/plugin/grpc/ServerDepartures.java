package org.polarisagent.plugin.grpc;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.polarisagent.core.logging.AgentLog;

/**
 * The gRPC servers of the JVM that have joined, or are about to join, Polaris, or are leaving it,
 * and so must have left it before the JVM exits, even when the application never calls {@code
 * shutdown()}.
 *
 * <p>JVM-wide: this class lives in the agent class loader, and the server adapters of every
 * application class loader add themselves here; the gRPC plugin runs {@link #departAll()} as a step
 * of the agent's shutdown sequence, before the Polaris SDK closes. JDK types only in signatures.
 * Thread-safe.
 */
public final class ServerDepartures {

  private static final ServerDepartures JVM = new ServerDepartures();

  /** A server that can leave Polaris. */
  public interface Departure {

    /** Begins to deregister in the background, once; returns at once. Never throws. */
    void beginDeparture();

    /**
     * Waits until the drain delay after deregistration has passed, no longer than a short bound for
     * the deregistration plus the delay; at once if no departure has begun or it is over.
     */
    void awaitDeparture();
  }

  private final Set<Departure> departures = new LinkedHashSet<>();

  /** The registry of this JVM. */
  public static ServerDepartures jvm() {
    return JVM;
  }

  public synchronized void add(Departure departure) {
    departures.add(departure);
  }

  public synchronized void remove(Departure departure) {
    departures.remove(departure);
  }

  /**
   * Begins the departure of every server, then waits for their drains, which thereby overlap: the
   * JVM exit takes one delay (plus the deregistration, bounded), however many servers there are,
   * and none when no server is registered or leaving.
   */
  public void departAll() {
    List<Departure> snapshot;
    synchronized (this) {
      snapshot = new ArrayList<>(departures);
    }
    for (Departure departure : snapshot) {
      try {
        departure.beginDeparture();
      } catch (Throwable t) {
        AgentLog.warn("cannot deregister a gRPC server at exit: " + t);
      }
    }
    for (Departure departure : snapshot) {
      try {
        departure.awaitDeparture();
      } catch (Throwable t) {
        AgentLog.warn("cannot drain a gRPC server at exit: " + t);
      }
    }
  }
}
