package org.polarisagent.plugin.grpc.adapter.server;

import java.util.ArrayList;
import java.util.List;

/**
 * A registrar that records what it is asked in one shared event list, and fails or blocks on
 * demand.
 */
final class FakeRegistrar implements Registrar {

  final List<String> events;
  volatile String unavailableReason;
  volatile boolean ready = true;

  /**
   * What Polaris answers to the failing registrations: a refusal of the token, or null for an
   * outage.
   */
  volatile String refusal;

  /** Registrations that fail before one succeeds. */
  int failuresLeft;

  int registrations;
  int deregistrations;

  /**
   * Runs at the start of every registration, outside the event lock: to hold a registration in
   * flight.
   */
  volatile Step beforeRegister;

  /** Thrown by every contract report, if set. */
  volatile RuntimeException contractFailure;

  /** Thrown by every deregistration, if set. */
  volatile RuntimeException deregisterFailure;

  /** A test's step that may block or fail. */
  interface Step {
    void run() throws Exception;
  }

  FakeRegistrar(List<String> events) {
    this.events = events;
  }

  @Override
  public String unavailableReason() {
    return unavailableReason;
  }

  @Override
  public boolean awaitReady(long timeoutMillis) {
    return ready;
  }

  @Override
  public String register(InstanceSpec instance, boolean inRotation) throws Exception {
    Step before = beforeRegister;
    if (before != null) {
      before.run();
    }
    synchronized (events) {
      if (failuresLeft > 0) {
        failuresLeft--;
        events.add("register failed " + instance);
        if (refusal != null) {
          throw new IllegalStateException("server error 401001: " + refusal);
        }
        throw new java.net.ConnectException("Polaris is down");
      }
      registrations++;
      events.add("register " + instance + (inRotation ? "" : " weight 0"));
      return "id-" + instance.service + "-" + instance.port;
    }
  }

  @Override
  public String refusal(Throwable failure) {
    return refusal != null && failure instanceof IllegalStateException ? refusal : null;
  }

  @Override
  public void reportContract(ServiceContract contract) {
    if (contractFailure != null) {
      throw contractFailure;
    }
    synchronized (events) {
      events.add("contract " + contract);
    }
  }

  @Override
  public void deregister(InstanceSpec instance, String instanceId) {
    if (deregisterFailure != null) {
      throw deregisterFailure;
    }
    synchronized (events) {
      deregistrations++;
      events.add("deregister " + instance + " " + instanceId);
    }
  }

  List<String> events() {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }
}
