package org.polarisagent.plugin.grpc.adapter;

import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolverRegistry;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.plugin.grpc.GrpcIntegration;
import org.polarisagent.plugin.grpc.adapter.client.ClientSupport;
import org.polarisagent.plugin.grpc.adapter.client.PolarisLoadBalancerProvider;
import org.polarisagent.plugin.grpc.adapter.client.PolarisNameResolverProvider;
import org.polarisagent.plugin.grpc.adapter.server.ProvidedServices;
import org.polarisagent.plugin.grpc.adapter.server.ProviderSupport;
import org.polarisagent.plugin.grpc.adapter.server.ratelimit.ProviderRateLimiting;

/**
 * The agent's gRPC integration for one application class loader: defined in that loader's adapter loader,
 * so {@code io.grpc} here is the application's gRPC. Thread-safe.
 */
public final class PolarisGrpcIntegration implements GrpcIntegration {

  private final AgentContext context;
  private final Object clientLock = new Object();
  private volatile ClientSupport client;
  private final Object providerLock = new Object();
  private volatile ProviderSupport providerSupport;
  private final Object rateLimitLock = new Object();
  private volatile ProviderRateLimiting rateLimiting;

  public PolarisGrpcIntegration(AgentContext context) {
    this.context = context;
  }

  @Override
  public void prepareClient(String polarisTarget) {
    ClientSupport current = client;
    if (current == null) {
      synchronized (clientLock) {
        current = client;
        if (current == null) {
          current = new ClientSupport(context);
          LoadBalancerRegistry.getDefaultRegistry().register(new PolarisLoadBalancerProvider(current));
          NameResolverRegistry.getDefaultRegistry().register(new PolarisNameResolverProvider(current));
          client = current;
        }
      }
    }
    current.prefetch(polarisTarget);
  }

  /** Adds the rate-limit interceptor to network server builders unless {@code polaris.ratelimit.enabled=false}. */
  @Override
  public void beforeServerBuild(Object serverBuilder) {
    if (!context.config().get(AgentConfig.RATE_LIMIT_ENABLED) || !ProvidedServices.networkBuilder(serverBuilder)) {
      return;
    }
    ProviderRateLimiting current = rateLimiting;
    if (current == null) {
      synchronized (rateLimitLock) {
        if (rateLimiting == null) {
          rateLimiting = new ProviderRateLimiting(context, provider().providedServices());
        }
        current = rateLimiting;
      }
    }
    current.attach(serverBuilder);
  }

  @Override
  public Object afterServerBuild(Object serverBuilder, Object server) {
    return provider().observe(serverBuilder, server);
  }

  private ProviderSupport provider() {
    ProviderSupport provider = providerSupport;
    if (provider == null) {
      synchronized (providerLock) {
        if (providerSupport == null) {
          providerSupport = new ProviderSupport(context);
        }
        provider = providerSupport;
      }
    }
    return provider;
  }
}
