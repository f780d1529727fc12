package org.polarisagent.plugin.grpc.adapter.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.polarisagent.core.config.AgentConfig;

/**
 * What one started gRPC server registers as: its network endpoints allowed by {@code
 * polaris.grpc.server.ports} and the services it advertises ({@link AdvertisedServices}), or why it
 * does not register at all. Immutable.
 */
final class RegistrationPlan {

  /** How a server is named in log lines. */
  final String serverName;

  /** Why the server is not registered, or null when it is. */
  final String skipped;

  /** The bound network addresses that register; a wildcard address means all interfaces. */
  private final List<InetSocketAddress> endpoints;

  /** Full names of the services the server registers as. */
  final List<String> services;

  /** What it reports once registered: none if {@code polaris.grpc.server.report-contract=false}. */
  final List<ServiceContract> contracts;

  private RegistrationPlan(
      String serverName,
      String skipped,
      List<InetSocketAddress> endpoints,
      List<String> services,
      List<ServiceContract> contracts) {
    this.serverName = serverName;
    this.skipped = skipped;
    this.endpoints = endpoints;
    this.services = services;
    this.contracts = contracts;
  }

  /**
   * Decides for a server whose {@code start()} has returned.
   *
   * @param listenSockets the server's bound addresses; anything but an {@link InetSocketAddress} is
   *     not a network listener (in-process) and is never registered
   * @param exposedServices full names of the gRPC services the server exposes
   * @param methods full names of the server's methods, {@code pkg.Service/Method}
   */
  static RegistrationPlan of(
      ProviderSettings settings,
      List<? extends SocketAddress> listenSockets,
      List<String> exposedServices,
      List<String> methods) {
    List<InetSocketAddress> bound = networkEndpoints(listenSockets);
    String serverName = bound.isEmpty() ? "gRPC server" : "gRPC server on port " + ports(bound);
    String skipped = null;
    List<String> selected = AdvertisedServices.select(settings.service, exposedServices);
    if (bound.isEmpty()) {
      skipped = "it has no network listen address";
    } else if (selected.isEmpty()) {
      skipped =
          exposedServices.isEmpty()
              ? "it lists no service and " + AgentConfig.SERVICE.name() + " is not set"
              : "it exposes only infrastructure services " + exposedServices;
    } else {
      List<InetSocketAddress> allowed = new ArrayList<>();
      for (InetSocketAddress endpoint : bound) {
        if (ProvidedServices.registersPort(settings.ports, endpoint.getPort())) {
          allowed.add(endpoint);
        }
      }
      if (allowed.isEmpty()) {
        skipped = "its port is not in " + AgentConfig.SERVER_PORTS.name();
      }
      bound = allowed;
    }
    List<ServiceContract> contracts =
        settings.reportContract && skipped == null
            ? ServiceContract.of(settings, selected, methods)
            : Collections.<ServiceContract>emptyList();
    return new RegistrationPlan(serverName, skipped, bound, selected, contracts);
  }

  /**
   * The Polaris instances to register: one per endpoint and service, each endpoint under its host.
   */
  List<InstanceSpec> instances(InstanceHost hosts, String namespace) {
    Set<InstanceSpec> result = new LinkedHashSet<>();
    for (InetSocketAddress endpoint : endpoints) {
      String host = hosts.hostFor(endpoint.getAddress());
      for (String service : services) {
        result.add(new InstanceSpec(namespace, service, host, endpoint.getPort()));
      }
    }
    return new ArrayList<>(result);
  }

  private static List<InetSocketAddress> networkEndpoints(
      List<? extends SocketAddress> listenSockets) {
    List<InetSocketAddress> result = new ArrayList<>();
    for (SocketAddress socket : listenSockets) {
      if (socket instanceof InetSocketAddress) {
        InetSocketAddress inet = (InetSocketAddress) socket;
        if (inet.getPort() > 0) {
          result.add(inet);
        }
      }
    }
    return result;
  }

  private static String ports(List<InetSocketAddress> bound) {
    Set<Integer> ports = new LinkedHashSet<>();
    for (InetSocketAddress endpoint : bound) {
      ports.add(endpoint.getPort());
    }
    StringBuilder text = new StringBuilder();
    for (Integer port : ports) {
      text.append(text.length() == 0 ? "" : ",").append(port);
    }
    return text.toString();
  }
}
