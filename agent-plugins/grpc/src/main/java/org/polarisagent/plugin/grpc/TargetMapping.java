package org.polarisagent.plugin.grpc;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps the plain targets an application already uses (from {@code
 * polaris.grpc.client.target-mapping}) to Polaris targets, so that the application needs no change
 * at all. Immutable.
 */
public final class TargetMapping {

  private final Map<String, String> polarisTargets = new LinkedHashMap<>();

  /**
   * @param mapping application target to service name or {@code polaris://} target
   * @param keepAuthority whether a mapped channel keeps the authority of its original target
   */
  TargetMapping(Map<String, String> mapping, String defaultNamespace, boolean keepAuthority) {
    for (Map.Entry<String, String> entry : mapping.entrySet()) {
      String from = normalize(entry.getKey());
      String to = entry.getValue();
      String authority = keepAuthority ? authorityOf(from) : null;
      if (PolarisTarget.isPolaris(to)) {
        PolarisTarget target = PolarisTarget.parse(to, defaultNamespace);
        polarisTargets.put(
            from,
            PolarisTarget.format(
                target.service(),
                target.namespace(),
                keepAuthority ? authority : target.authority()));
      } else {
        PolarisTarget.parse(
            PolarisTarget.SCHEME + "://" + to, defaultNamespace); // validates the name
        polarisTargets.put(from, PolarisTarget.format(to, defaultNamespace, authority));
      }
    }
  }

  boolean isEmpty() {
    return polarisTargets.isEmpty();
  }

  /** The Polaris target for an application target, or null when it is not mapped. */
  String map(String target) {
    return polarisTargets.get(normalize(target));
  }

  /** The Polaris target for a host and port, or null when they are not mapped. */
  String map(String host, int port) {
    return map(hostPort(host, port));
  }

  /** gRPC's {@code host:port} form of an address: an IPv6 host in brackets. */
  public static String hostPort(String host, int port) {
    return host.indexOf(':') >= 0 && !host.startsWith("[")
        ? "[" + host + "]:" + port
        : host + ":" + port;
  }

  /**
   * The authority a channel to a (normalized) target announces without the agent, as gRPC's name
   * resolvers give it: for {@code scheme://authority/path}, the path ({@code xds://td/greeter}
   * announces {@code greeter}), or the authority when there is no path (the {@code
   * static://host:port} of the Spring Boot gRPC starters); for {@code unix:}, the socket path; for
   * anything else, which gRPC resolves as {@code dns:///target}, the target without its query.
   */
  static String authorityOf(String target) {
    try {
      URI uri = new URI(target);
      String scheme = uri.getScheme();
      if ("unix".equalsIgnoreCase(scheme)) {
        return uri.isOpaque() ? uri.getSchemeSpecificPart() : uri.getPath();
      }
      if (scheme != null && !uri.isOpaque()) {
        String path = uri.getPath() == null ? "" : uri.getPath();
        path = path.startsWith("/") ? path.substring(1) : path;
        if (!path.isEmpty()) {
          return path;
        }
        return uri.getAuthority() == null ? "" : uri.getAuthority();
      }
    } catch (URISyntaxException notAUri) {
      // a plain host:port such as 127.0.0.1:50051 or [::1]:50051
    }
    int query = target.indexOf('?');
    return query < 0 ? target : target.substring(0, query);
  }

  /** {@code dns:///a:1} and {@code dns://resolver/a:1} match {@code a:1}. */
  private static String normalize(String target) {
    String t = target.trim();
    if (t.regionMatches(true, 0, "dns:", 0, 4)) {
      t = t.substring(4);
      if (t.startsWith("//")) {
        int slash = t.indexOf('/', 2);
        t = slash < 0 ? "" : t.substring(slash + 1);
      }
    }
    return t;
  }
}
