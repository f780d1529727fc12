package org.polarisagent.plugin.grpc.adapter.server;

/**
 * One Polaris instance a server registers: a service in a namespace at a host and port. Immutable.
 */
final class InstanceSpec {

  final String namespace;
  final String service;
  final String host;
  final int port;

  InstanceSpec(String namespace, String service, String host, int port) {
    this.namespace = namespace;
    this.service = service;
    this.host = host;
    this.port = port;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof InstanceSpec)) {
      return false;
    }
    InstanceSpec that = (InstanceSpec) other;
    return port == that.port
        && namespace.equals(that.namespace)
        && service.equals(that.service)
        && host.equals(that.host);
  }

  @Override
  public int hashCode() {
    return ((namespace.hashCode() * 31 + service.hashCode()) * 31 + host.hashCode()) * 31 + port;
  }

  @Override
  public String toString() {
    return namespace
        + "/"
        + service
        + " "
        + (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
        + ":"
        + port;
  }
}
