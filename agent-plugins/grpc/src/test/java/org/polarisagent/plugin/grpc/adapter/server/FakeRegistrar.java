package org.polarisagent.plugin.grpc.adapter.server;

import java.util.ArrayList;
import java.util.List;

/** A registrar that records what it is asked in one shared event list, and fails on demand. */
final class FakeRegistrar implements Registrar {

  final List<String> events;
  volatile String unavailableReason;
  volatile boolean ready = true;
  /** What Polaris answers to the failing registrations: a refusal of the token, or null for an outage. */
  volatile String refusal;
  /** Registrations that fail before one succeeds. */
  int failuresLeft;
  int registrations;
  int deregistrations;

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
  public String register(InstanceSpec instance) throws Exception {
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
      events.add("register " + instance);
      return "id-" + instance.service + "-" + instance.port;
    }
  }

  @Override
  public String refusal(Throwable failure) {
    return refusal != null && failure instanceof IllegalStateException ? refusal : null;
  }

  @Override
  public void deregister(InstanceSpec instance, String instanceId) {
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
