package org.polarisagent.plugin.grpc.adapter.server;

import java.util.Collections;
import java.util.Properties;
import java.util.Set;
import org.polarisagent.core.config.AgentConfig;

/**
 * Provided services as tests of other packages want them: from the configuration that decides them.
 */
public final class TestProvidedServices {

  private TestProvidedServices() {}

  /**
   * Services as registration decides them with {@code polaris.service}, {@code polaris.namespace}
   * and {@code polaris.grpc.server.ports} set to these values.
   *
   * @param ports the ports whose servers register; empty: every port
   */
  public static ProvidedServices of(
      String configuredService, String namespace, Set<Integer> ports) {
    StringBuilder args =
        new StringBuilder(
            "polaris.service=" + configuredService + ",polaris.namespace=" + namespace);
    if (!ports.isEmpty()) {
      StringBuilder list = new StringBuilder();
      for (Integer port : ports) {
        list.append(list.length() == 0 ? "" : ",").append(port);
      }
      args.append(",polaris.grpc.server.ports=").append(list);
    }
    AgentConfig config =
        AgentConfig.load(args.toString(), new Properties(), Collections.<String, String>emptyMap());
    return new ProvidedServices(
        ProviderSettings.from(config, Collections.<String, String>emptyMap()));
  }
}
