package org.polarisagent.plugin.grpc.adapter.server;

/**
 * Registers and deregisters instances in Polaris, and reports services' contracts; implementations
 * are thread-safe.
 */
interface Registrar {

  /** Why registration can never succeed in this JVM (e.g. an invalid configuration), or null. */
  String unavailableReason();

  /** Waits at most the given time for the Polaris SDK; true once instances can be registered. */
  boolean awaitReady(long timeoutMillis);

  /**
   * Registers an instance that heartbeats by itself from now on, or updates it if registered;
   * returns its instance id. Out of rotation, its weight is 0: consumers send it nothing.
   */
  String register(InstanceSpec instance, boolean inRotation) throws Exception;

  /**
   * If the failure of {@link #register} means that Polaris refused the agent's credentials ({@code
   * polaris.token}), the server's reason; else null.
   */
  String refusal(Throwable failure);

  /** Reports the gRPC methods of a service to Polaris, as that service's contract. */
  void reportContract(ServiceContract contract) throws Exception;

  /** Deregisters an instance and stops its heartbeats. */
  void deregister(InstanceSpec instance, String instanceId) throws Exception;
}
