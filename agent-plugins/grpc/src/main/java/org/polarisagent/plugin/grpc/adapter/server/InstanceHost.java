package org.polarisagent.plugin.grpc.adapter.server;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.sdk.LocalAddress;

/**
 * Chooses the host a server is registered with; never a wildcard address.
 *
 * <p>In order: {@code polaris.instance.host}; the server's own address if it is bound to a specific
 * one; {@code POD_IP}, then {@code HOST_IP} from the environment; the local address of the
 * interface that routes to the first Polaris server (found by connecting a UDP socket, which sends
 * nothing); the local host's address; {@code 127.0.0.1}. The detected address is computed once.
 * Thread-safe.
 */
final class InstanceHost {

  /** Finds the local address that traffic to a remote address leaves from. */
  interface RouteProbe {
    /** The local address, or null if there is no route or it cannot be told. */
    InetAddress localAddressTowards(String host, int port) throws IOException;
  }

  /** Connects a UDP socket, which only selects a route: no packet is sent. */
  static final RouteProbe UDP_PROBE =
      new RouteProbe() {
        @Override
        public InetAddress localAddressTowards(String host, int port) throws IOException {
          return LocalAddress.routeTo(host, port);
        }
      };

  private final String configuredHost;
  private final Map<String, String> env;
  private final String polarisAddress;
  private final RouteProbe probe;
  private volatile String detected;

  InstanceHost(
      String configuredHost, Map<String, String> env, String polarisAddress, RouteProbe probe) {
    this.configuredHost = configuredHost == null ? "" : configuredHost.trim();
    this.env = env;
    this.polarisAddress = polarisAddress == null ? "" : polarisAddress.trim();
    this.probe = probe;
  }

  /** For the running agent: the configured host, the process environment and a UDP probe. */
  static InstanceHost of(ProviderSettings settings) {
    return new InstanceHost(settings.host, System.getenv(), settings.polarisAddress, UDP_PROBE);
  }

  /**
   * The host to register a server bound to the given address.
   *
   * @param boundAddress the listen address of the server; null or a wildcard when it listens on all
   */
  String hostFor(InetAddress boundAddress) {
    if (!configuredHost.isEmpty() && !isWildcard(configuredHost)) {
      return configuredHost;
    }
    if (boundAddress != null && !boundAddress.isAnyLocalAddress()) {
      return text(boundAddress);
    }
    String current = detected;
    if (current == null) {
      current = detect();
      detected = current;
    }
    return current;
  }

  private String detect() {
    for (String name : AgentConfig.INSTANCE_HOST_ENV) {
      String value = env.get(name);
      if (value != null && !value.trim().isEmpty() && !isWildcard(value.trim())) {
        return value.trim();
      }
    }
    InetAddress routed = routeToPolaris();
    if (routed != null && !routed.isAnyLocalAddress()) {
      return text(routed);
    }
    try {
      InetAddress local = InetAddress.getLocalHost();
      if (!local.isAnyLocalAddress()) {
        return text(local);
      }
    } catch (IOException | RuntimeException e) {
      // Falls through to the loopback address.
    }
    return "127.0.0.1";
  }

  private InetAddress routeToPolaris() {
    int colon = polarisAddress.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    String host = polarisAddress.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(polarisAddress.substring(colon + 1));
      return probe.localAddressTowards(host, port);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
  }

  /** The textual address without an IPv6 scope. */
  private static String text(InetAddress address) {
    String host = address.getHostAddress();
    int scope = host.indexOf('%');
    return scope < 0 ? host : host.substring(0, scope);
  }
}
