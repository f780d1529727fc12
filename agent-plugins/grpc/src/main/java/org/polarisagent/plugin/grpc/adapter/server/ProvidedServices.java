package org.polarisagent.plugin.grpc.adapter.server;

import java.util.Set;

/**
 * Which Polaris service a call to this application's servers is a call of, decided as registration
 * decides which services a server registers as ({@link AdvertisedServices}): {@code
 * polaris.service} if set, else the call's gRPC service; none for infrastructure services, for
 * servers on ports outside {@code polaris.grpc.server.ports}, and for in-process servers.
 * Immutable.
 */
public final class ProvidedServices {

  /** Builders whose servers never listen on the network. */
  private static final String IN_PROCESS_BUILDER = "io.grpc.inprocess.InProcessServerBuilder";

  private final String configuredService;
  private final String namespace;
  private final Set<Integer> ports;

  ProvidedServices(ProviderSettings settings) {
    this.configuredService = settings.service;
    this.namespace = settings.namespace;
    this.ports = settings.ports;
  }

  /** The namespace services register in. */
  public String namespace() {
    return namespace;
  }

  /** {@code polaris.service}, empty if not set. */
  public String configuredService() {
    return configuredService;
  }

  /**
   * The Polaris service a call to the given gRPC service counts for, or null for infrastructure
   * services (health, reflection, ...), which no server registers as.
   */
  public String polarisServiceOf(String grpcService) {
    if (grpcService == null || AdvertisedServices.isInfrastructure(grpcService)) {
      return null;
    }
    return configuredService.isEmpty() ? grpcService : configuredService;
  }

  /** True when {@code polaris.grpc.server.ports} restricts which servers register. */
  public boolean filtersPorts() {
    return !ports.isEmpty();
  }

  /** True if a server listening on this local port registers (always, without a port filter). */
  public boolean registersPort(int port) {
    return registersPort(ports, port);
  }

  /** The port filter: true if {@code port} is one of {@code ports}, or {@code ports} is empty. */
  static boolean registersPort(Set<Integer> ports, int port) {
    return ports.isEmpty() || ports.contains(port);
  }

  /** False for builders of servers that never listen on the network. */
  public static boolean networkBuilder(Object builder) {
    return !builder.getClass().getName().equals(IN_PROCESS_BUILDER);
  }
}
