package org.polarisagent.plugin.grpc;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.polarisagent.core.logging.AgentLog;

/**
 * The gRPC servers of the JVM that have joined, or are about to join, Polaris and so must leave it before
 * the JVM exits, even when the application never calls {@code shutdown()}.
 *
 * <p>JVM-wide: this class lives in the agent class loader, and the server adapters of every application
 * class loader add themselves here; the gRPC plugin runs {@link #departAll()} as a step of the agent's
 * shutdown sequence, before the Polaris SDK closes. JDK types only in signatures. Thread-safe.
 */
public final class ServerDepartures {

  private static final ServerDepartures JVM = new ServerDepartures();

  /** A server that can leave Polaris. */
  public interface Departure {

    /** Deregisters, once; does not wait for the drain delay. Never throws. */
    void beginDeparture();

    /** Begins the departure if needed, then waits until the drain delay after deregistration has passed. */
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
   * Deregisters every server first, then waits for their drain delays, which thereby overlap: the JVM
   * exit takes one delay, however many servers there are.
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
