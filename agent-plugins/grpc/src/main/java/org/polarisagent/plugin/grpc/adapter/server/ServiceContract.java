package org.polarisagent.plugin.grpc.adapter.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.polarisagent.core.logging.AgentLog;

/**
 * The contract a registered server reports for one Polaris service it registers as: the gRPC
 * methods callers reach through that service, as full method names ({@code pkg.Service/Method}).
 * Which methods belong to a Polaris service follows registration ({@link AdvertisedServices}): with
 * {@code polaris.service} set, every method of every business service; otherwise the methods of the
 * gRPC service of the same name. Immutable.
 */
final class ServiceContract {

  final String namespace;
  final String service;

  /** Full method names, {@code pkg.Service/Method}, in the server's order. */
  final List<String> methods;

  private ServiceContract(String namespace, String service, List<String> methods) {
    this.namespace = namespace;
    this.service = service;
    this.methods = methods;
  }

  /**
   * The contracts of the Polaris services a server registers as; a service none of whose methods is
   * known (a server type that lists none) has no contract.
   *
   * @param registeredAs the Polaris services the server registers as
   * @param methods full names of the server's methods, {@code pkg.Service/Method}
   */
  static List<ServiceContract> of(
      ProviderSettings settings, List<String> registeredAs, List<String> methods) {
    List<ServiceContract> contracts = new ArrayList<>();
    for (String service : registeredAs) {
      List<String> own = new ArrayList<>();
      for (String method : methods) {
        String grpcService = grpcServiceOf(method);
        boolean belongs =
            settings.service.isEmpty()
                ? grpcService.equals(service)
                : !AdvertisedServices.isInfrastructure(grpcService);
        if (belongs) {
          own.add(method);
        }
      }
      if (!own.isEmpty()) {
        contracts.add(
            new ServiceContract(settings.namespace, service, Collections.unmodifiableList(own)));
      }
    }
    return Collections.unmodifiableList(contracts);
  }

  /**
   * Reports each contract, once, after the server's first successful registration: a failure is one
   * WARN line and is not retried (the contract only informs the console; calls never depend on it).
   */
  static void reportAll(Registrar registrar, List<ServiceContract> contracts) {
    for (ServiceContract contract : contracts) {
      try {
        registrar.reportContract(contract);
        AgentLog.debug("reported the contract of " + contract.service + ": " + contract.methods);
      } catch (Throwable t) {
        AgentLog.warn(
            "cannot report the gRPC methods of "
                + contract.service
                + " to Polaris as its service contract: "
                + t);
      }
    }
  }

  /** {@code pkg.Service} of {@code pkg.Service/Method}. */
  static String grpcServiceOf(String fullMethodName) {
    int slash = fullMethodName.lastIndexOf('/');
    return slash < 0 ? fullMethodName : fullMethodName.substring(0, slash);
  }

  /** {@code Method} of {@code pkg.Service/Method}. */
  static String methodOf(String fullMethodName) {
    return fullMethodName.substring(fullMethodName.lastIndexOf('/') + 1);
  }

  @Override
  public String toString() {
    return service + " " + methods;
  }
}
