package org.polarisagent.bench.load;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.StatusOr;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A name resolver for a fixed list of addresses, {@code fixed:///127.0.0.1:5001,127.0.0.1:5002}:
 * one address group per address, never changing. It gives the plain-gRPC baseline the same three
 * providers the agent discovers through Polaris, with gRPC's own balancers ({@code round_robin});
 * gRPC has no such resolver built in. Written with the public {@link NameResolverProvider} API
 * only, as an application would. Immutable; thread-safe.
 */
final class FixedAddresses extends NameResolverProvider {

  static final String SCHEME = "fixed";

  private static boolean registered;

  /** Makes {@code fixed:///} targets resolvable in this JVM. */
  static synchronized void register() {
    if (!registered) {
      NameResolverRegistry.getDefaultRegistry().register(new FixedAddresses());
      registered = true;
    }
  }

  /** The target naming {@code hostPorts}, a comma-separated list of {@code host:port}. */
  static String target(String hostPorts) {
    return SCHEME + ":///" + hostPorts;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    String path = targetUri.getPath();
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (String hostPort : path.substring(path.startsWith("/") ? 1 : 0).split(",")) {
      int colon = hostPort.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException(
            targetUri + ": expected host:port entries, got '" + hostPort + "'");
      }
      groups.add(
          new EquivalentAddressGroup(
              new InetSocketAddress(
                  hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)))));
    }
    return new Resolver(groups);
  }

  /** Hands its fixed list to the channel once. */
  private static final class Resolver extends NameResolver {
    private final List<EquivalentAddressGroup> groups;

    Resolver(List<EquivalentAddressGroup> groups) {
      this.groups = groups;
    }

    @Override
    public String getServiceAuthority() {
      return "fixed";
    }

    @Override
    public void start(Listener2 listener) {
      listener.onResult(
          ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
    }

    @Override
    public void shutdown() {}
  }
}
