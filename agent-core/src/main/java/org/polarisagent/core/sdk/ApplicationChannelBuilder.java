package org.polarisagent.core.sdk;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import shade.polaris.io.grpc.ClientInterceptor;
import shade.polaris.io.grpc.CompressorRegistry;
import shade.polaris.io.grpc.DecompressorRegistry;
import shade.polaris.io.grpc.ManagedChannel;
import shade.polaris.io.grpc.ManagedChannelBuilder;
import shade.polaris.io.grpc.NameResolver;

/**
 * The builder the SDK gets for a channel to the Polaris server ({@link SdkChannels#forAddress}): it
 * takes what the SDK sets (keep-alive, plaintext) and builds the channel on the application's gRPC;
 * asked for TLS or any other setting, or if the application's gRPC fails to build the channel, it
 * hands everything to a builder of the SDK's own gRPC. Not thread-safe, as gRPC's builders.
 */
final class ApplicationChannelBuilder extends ManagedChannelBuilder<ApplicationChannelBuilder> {

  private final String host;
  private final int port;
  private final SdkTransport.ApplicationGrpc grpc;
  private long keepAliveNanos = -1;
  private boolean keepAliveWithoutCalls;
  private boolean plaintext;

  /** The SDK's own builder, once TLS or a failure asked for it. */
  private ManagedChannelBuilder<?> bundled;

  ApplicationChannelBuilder(String host, int port, SdkTransport.ApplicationGrpc grpc) {
    this.host = host;
    this.port = port;
    this.grpc = grpc;
  }

  @Override
  public ApplicationChannelBuilder keepAliveTime(long time, TimeUnit unit) {
    keepAliveNanos = unit.toNanos(time);
    if (bundled != null) {
      bundled.keepAliveTime(time, unit);
    }
    return this;
  }

  @Override
  public ApplicationChannelBuilder keepAliveWithoutCalls(boolean enable) {
    keepAliveWithoutCalls = enable;
    if (bundled != null) {
      bundled.keepAliveWithoutCalls(enable);
    }
    return this;
  }

  @Override
  public ApplicationChannelBuilder usePlaintext() {
    plaintext = true;
    if (bundled != null) {
      bundled.usePlaintext();
    }
    return this;
  }

  @Override
  public ApplicationChannelBuilder useTransportSecurity() {
    plaintext = false;
    bundled().useTransportSecurity();
    return this;
  }

  @Override
  public ManagedChannel build() {
    if (bundled == null) {
      try {
        return grpc.channel(host, port, keepAliveNanos, keepAliveWithoutCalls);
      } catch (Throwable t) {
        SdkTransport.failed(t);
      }
    }
    return bundled().build();
  }

  /** The SDK's own builder, with what was set so far. */
  ManagedChannelBuilder<?> bundled() {
    if (bundled == null) {
      bundled = SdkChannels.bundled(host, port);
      if (keepAliveNanos >= 0) {
        bundled.keepAliveTime(keepAliveNanos, TimeUnit.NANOSECONDS);
      }
      bundled.keepAliveWithoutCalls(keepAliveWithoutCalls);
      if (plaintext) {
        bundled.usePlaintext();
      }
    }
    return bundled;
  }

  // Settings the SDK 2.1 does not make: should a later SDK make one, its channel is its own.

  @Override
  public ApplicationChannelBuilder directExecutor() {
    bundled().directExecutor();
    return this;
  }

  @Override
  public ApplicationChannelBuilder executor(Executor executor) {
    bundled().executor(executor);
    return this;
  }

  @Override
  public ApplicationChannelBuilder intercept(List<ClientInterceptor> interceptors) {
    bundled().intercept(interceptors);
    return this;
  }

  @Override
  public ApplicationChannelBuilder intercept(ClientInterceptor... interceptors) {
    bundled().intercept(interceptors);
    return this;
  }

  @Override
  public ApplicationChannelBuilder userAgent(String userAgent) {
    bundled().userAgent(userAgent);
    return this;
  }

  @Override
  public ApplicationChannelBuilder overrideAuthority(String authority) {
    bundled().overrideAuthority(authority);
    return this;
  }

  @Override
  @SuppressWarnings("deprecation")
  public ApplicationChannelBuilder nameResolverFactory(NameResolver.Factory factory) {
    bundled().nameResolverFactory(factory);
    return this;
  }

  @Override
  public ApplicationChannelBuilder decompressorRegistry(DecompressorRegistry registry) {
    bundled().decompressorRegistry(registry);
    return this;
  }

  @Override
  public ApplicationChannelBuilder compressorRegistry(CompressorRegistry registry) {
    bundled().compressorRegistry(registry);
    return this;
  }

  @Override
  public ApplicationChannelBuilder idleTimeout(long value, TimeUnit unit) {
    bundled().idleTimeout(value, unit);
    return this;
  }
}
