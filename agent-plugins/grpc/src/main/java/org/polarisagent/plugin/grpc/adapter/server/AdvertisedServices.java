package org.polarisagent.plugin.grpc.adapter.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides which Polaris services a started gRPC server registers as.
 *
 * <p>The rule: infrastructure services (health, reflection, channelz, CSDS, ORCA) are never
 * advertised, and a server that exposes nothing else is not registered at all, so an application's
 * separate health or admin server never receives business traffic. Otherwise the server registers
 * as the configured {@code polaris.service}, or, when that is empty, as each business service it
 * exposes, under the service's full gRPC name (e.g. {@code helloworld.Greeter}). A server that
 * lists no service at all (a server type that does not tell) registers only as a configured {@code
 * polaris.service}. Stateless.
 */
final class AdvertisedServices {

  /** Name prefixes of the services gRPC libraries add for operations rather than for callers. */
  private static final String[] INFRASTRUCTURE_PREFIXES = {
    "grpc.health.",
    "grpc.reflection.",
    "grpc.channelz.",
    // Client status discovery (CSDS), part of grpc-xds's AdminInterface.
    "envoy.service.status.",
    // Out-of-band backend metrics (ORCA).
    "xds.service.orca.",
  };

  private AdvertisedServices() {}

  /** True for services that operate the server rather than serve callers. */
  public static boolean isInfrastructure(String grpcServiceName) {
    for (String prefix : INFRASTRUCTURE_PREFIXES) {
      if (grpcServiceName.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The Polaris service names to register a server as, in the order the server lists its services;
   * empty when the server exposes only infrastructure services.
   *
   * @param configuredService {@code polaris.service}, empty when not set
   * @param exposedServices full names of the gRPC services the server exposes
   */
  public static List<String> select(String configuredService, List<String> exposedServices) {
    Set<String> business = new LinkedHashSet<>();
    for (String name : exposedServices) {
      if (!isInfrastructure(name)) {
        business.add(name);
      }
    }
    if (!configuredService.isEmpty() && (exposedServices.isEmpty() || !business.isEmpty())) {
      return Collections.singletonList(configuredService);
    }
    return Collections.unmodifiableList(new ArrayList<>(business));
  }
}
