package org.polarisagent.plugin.grpc;

import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.util.regex.Pattern;

/**
 * A channel target naming a Polaris service: {@code
 * polaris://service[:port][?namespace=ns][&authority=a]}.
 *
 * <p>The port is accepted and ignored for lookup. {@code authority} is what the channel announces
 * as its authority (set when a mapped target keeps its original one); it defaults to the target's
 * own authority. Immutable.
 */
public final class PolarisTarget {

  public static final String SCHEME = "polaris";

  /** The load-balancing policy of every Polaris channel: the agent's balancer. */
  public static final String LOAD_BALANCING_POLICY = "polaris_agent";

  /**
   * The protocol of gRPC instances in Polaris: what providers register with and what consumers
   * report.
   */
  public static final String PROTOCOL = "grpc";

  private static final String PREFIX = SCHEME + "://";
  private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._\\-]*");

  private final String service;
  private final String namespace;
  private final String authority;

  private PolarisTarget(String service, String namespace, String authority) {
    this.service = service;
    this.namespace = namespace;
    this.authority = authority;
  }

  public static boolean isPolaris(String target) {
    return target != null && target.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
  }

  /**
   * Parses a {@code polaris://} target.
   *
   * @throws IllegalArgumentException with a message saying what is wrong and what the form is
   */
  public static PolarisTarget parse(String target, String defaultNamespace) {
    if (!isPolaris(target)) {
      throw new IllegalArgumentException(invalid(target, "it does not start with " + PREFIX));
    }
    String rest = target.substring(PREFIX.length());
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    if (rest.startsWith("/")) {
      rest = rest.substring(1); // polaris:///service
    }
    String hostPort = rest;
    String service = hostPort;
    int colon = hostPort.lastIndexOf(':');
    if (colon >= 0) {
      service = hostPort.substring(0, colon);
      String port = hostPort.substring(colon + 1);
      if (!port.matches("\\d{1,5}")) {
        throw new IllegalArgumentException(
            invalid(target, "the port '" + port + "' is not a number"));
      }
    }
    if (!SERVICE.matcher(service).matches()) {
      throw new IllegalArgumentException(
          invalid(
              target,
              "'"
                  + service
                  + "' is not a service name"
                  + " (letters, digits, dots, dashes and underscores)"));
    }
    String namespace = defaultNamespace;
    String authority = hostPort;
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if ("namespace".equals(name) && !value.isEmpty()) {
        namespace = value;
      } else if ("authority".equals(name) && !value.isEmpty()) {
        authority = value;
      } else {
        throw new IllegalArgumentException(
            invalid(target, "unknown parameter '" + name + "' (known: namespace, authority)"));
      }
    }
    return new PolarisTarget(service, namespace, authority);
  }

  /** A target for a service, announcing the given authority (null: the service name). */
  public static String format(String service, String namespace, String authority) {
    StringBuilder target =
        new StringBuilder(PREFIX).append(service).append("?namespace=").append(encode(namespace));
    if (authority != null) {
      target.append("&authority=").append(encode(authority));
    }
    return target.toString();
  }

  private static String invalid(String target, String why) {
    return "invalid Polaris target '"
        + target
        + "': "
        + why
        + "; expected polaris://<service>[:port][?namespace=<namespace>]";
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, "UTF-8");
    } catch (UnsupportedEncodingException e) {
      throw new AssertionError(e);
    }
  }

  private static String encode(String text) {
    try {
      return URLEncoder.encode(text, "UTF-8");
    } catch (UnsupportedEncodingException e) {
      throw new AssertionError(e);
    }
  }

  public String service() {
    return service;
  }

  public String namespace() {
    return namespace;
  }

  /** The authority the channel announces. */
  public String authority() {
    return authority;
  }

  @Override
  public String toString() {
    return namespace + "/" + service;
  }
}
