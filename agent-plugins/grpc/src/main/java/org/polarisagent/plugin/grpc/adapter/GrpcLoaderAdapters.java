package org.polarisagent.plugin.grpc.adapter;

import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolverRegistry;
import java.util.function.Supplier;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.sdk.SdkTransport;
import org.polarisagent.plugin.grpc.LoaderAdapters;
import org.polarisagent.plugin.grpc.adapter.client.ClientSide;
import org.polarisagent.plugin.grpc.adapter.client.PolarisLoadBalancerProvider;
import org.polarisagent.plugin.grpc.adapter.client.PolarisNameResolverProvider;
import org.polarisagent.plugin.grpc.adapter.connection.ApplicationGrpcChannels;
import org.polarisagent.plugin.grpc.adapter.propagation.HeaderPropagation;
import org.polarisagent.plugin.grpc.adapter.server.ProvidedServices;
import org.polarisagent.plugin.grpc.adapter.server.ServerSide;
import org.polarisagent.plugin.grpc.adapter.server.ratelimit.ProviderRateLimiting;

/**
 * The adapters of one application class loader: defined in that loader's adapter loader, so {@code
 * io.grpc} here is the application's gRPC. Creates, on first need, the {@link ClientSide} (resolver
 * and balancer), the {@link ServerSide} (registration) and the {@link ProviderRateLimiting}, and
 * hands them the bridge's calls; with {@code polaris.grpc.propagate-headers} set, also the {@link
 * HeaderPropagation}. Thread-safe.
 */
public final class GrpcLoaderAdapters implements LoaderAdapters {

  private final AgentContext context;
  private final Lazy<ClientSide> clientSide;
  private final Lazy<ServerSide> serverSide;
  private final Lazy<ProviderRateLimiting> rateLimiting;

  /** Null when no header is to be propagated: then nothing of it is wired. */
  private final HeaderPropagation propagation;

  public GrpcLoaderAdapters(AgentContext context) {
    this.context = context;
    this.clientSide =
        new Lazy<>(
            () -> {
              ClientSide created = new ClientSide(context);
              LoadBalancerRegistry.getDefaultRegistry()
                  .register(new PolarisLoadBalancerProvider(created));
              NameResolverRegistry.getDefaultRegistry()
                  .register(new PolarisNameResolverProvider(created));
              return created;
            });
    this.serverSide = new Lazy<>(() -> new ServerSide(context));
    this.rateLimiting =
        new Lazy<>(() -> new ProviderRateLimiting(context, serverSide.get().providedServices()));
    this.propagation = propagation(context);
  }

  /** The header propagation, or null when off or when it cannot be set up (one ERROR line). */
  private static HeaderPropagation propagation(AgentContext context) {
    if (context.config().get(AgentConfig.PROPAGATE_HEADERS).isEmpty()) {
      return null;
    }
    try {
      return HeaderPropagation.of(context.config());
    } catch (RuntimeException | LinkageError e) {
      AgentLog.error("cannot propagate headers (polaris.grpc.propagate-headers), none are: " + e);
      return null;
    }
  }

  @Override
  public void prepareClient(String polarisTarget) {
    clientSide.get().prefetch(polarisTarget);
  }

  @Override
  public void prepareChannelBuilder(Object channelBuilder) {
    if (propagation != null) {
      propagation.prepareChannel(channelBuilder);
    }
  }

  /**
   * Adds the rate-limit interceptor to network server builders unless {@code
   * polaris.ratelimit.enabled=false}, and the header capture to every server builder when headers
   * are propagated.
   */
  @Override
  public void beforeServerBuild(Object serverBuilder) {
    if (context.config().get(AgentConfig.RATE_LIMIT_ENABLED)
        && ProvidedServices.networkBuilder(serverBuilder)) {
      rateLimiting.get().attach(serverBuilder);
    }
    if (propagation != null) {
      propagation.prepareServer(serverBuilder);
    }
  }

  @Override
  public Object afterServerBuild(Object serverBuilder, Object server) {
    return serverSide.get().observe(serverBuilder, server);
  }

  @Override
  public SdkTransport.ApplicationGrpc sdkChannels() {
    return new ApplicationGrpcChannels();
  }

  /** A value created once, on the first {@link #get()}. Thread-safe. */
  private static final class Lazy<T> {
    private final Supplier<T> create;
    private volatile T value;

    Lazy(Supplier<T> create) {
      this.create = create;
    }

    T get() {
      T current = value;
      if (current == null) {
        synchronized (this) {
          current = value;
          if (current == null) {
            current = create.get();
            value = current;
          }
        }
      }
      return current;
    }
  }
}
