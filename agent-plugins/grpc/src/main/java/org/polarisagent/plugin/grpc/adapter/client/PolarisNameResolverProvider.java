package org.polarisagent.plugin.grpc.adapter.client;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import java.net.URI;
import org.polarisagent.plugin.grpc.PolarisTarget;

/**
 * Name resolver provider for the {@code polaris} scheme. Its priority is below DNS so that it never
 * becomes gRPC's default scheme. Thread-safe.
 */
public final class PolarisNameResolverProvider extends NameResolverProvider {

  private final ClientSide client;

  public PolarisNameResolverProvider(ClientSide client) {
    this.client = client;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 4;
  }

  @Override
  public String getDefaultScheme() {
    return PolarisTarget.SCHEME;
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!PolarisTarget.SCHEME.equalsIgnoreCase(targetUri.getScheme())) {
      return null;
    }
    String target = targetUri.toString();
    try {
      return new PolarisNameResolver(
          PolarisTarget.parse(target, client.settings().defaultNamespace()), args, client);
    } catch (IllegalArgumentException invalid) {
      return new FailingNameResolver(Status.UNAVAILABLE.withDescription(invalid.getMessage()));
    }
  }

  /** Resolver of a malformed target: every call fails with the reason. */
  private static final class FailingNameResolver extends NameResolver {
    private final Status error;

    FailingNameResolver(Status error) {
      this.error = error;
    }

    @Override
    public String getServiceAuthority() {
      return "invalid.polaris.target";
    }

    @Override
    public void start(Listener2 listener) {
      listener.onError(error);
    }

    @Override
    public void shutdown() {}
  }
}
