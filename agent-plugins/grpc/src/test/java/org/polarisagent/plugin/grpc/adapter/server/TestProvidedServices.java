package org.polarisagent.plugin.grpc.adapter.server;

import java.util.Collections;
import java.util.Set;

/** Provided services as tests of other packages want them, without provider settings. */
public final class TestProvidedServices {

  private TestProvidedServices() {}

  /**
   * Services as registration would decide them with these settings.
   *
   * @param ports the ports whose servers register; empty: every port
   */
  public static ProvidedServices of(String configuredService, String namespace, Set<Integer> ports) {
    return new ProvidedServices(configuredService, namespace, Collections.unmodifiableSet(ports));
  }
}
