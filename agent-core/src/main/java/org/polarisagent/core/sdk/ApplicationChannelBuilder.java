package org.polarisagent.core.sdk;

import java.util.concurrent.TimeUnit;
import shade.polaris.io.grpc.ForwardingChannelBuilder2;
import shade.polaris.io.grpc.ManagedChannel;
import shade.polaris.io.grpc.ManagedChannelBuilder;

/**
 * The builder the SDK gets for a channel to the Polaris server ({@link SdkChannels#forAddress}): it
 * takes what the SDK 2.1 sets (keep-alive, plaintext) and builds a plaintext channel on the
 * application's gRPC. Any other setting (TLS among them), a channel never said to be plaintext, or
 * a failure of the application's gRPC to build it, hands everything to a builder of the SDK's own
 * gRPC. Not thread-safe, as gRPC's builders.
 */
final class ApplicationChannelBuilder extends ForwardingChannelBuilder2<ApplicationChannelBuilder> {

  private final String host;
  private final int port;
  private final SdkTransport.ApplicationGrpc grpc;
  private long keepAliveNanos = -1;
  private boolean keepAliveWithoutCalls;
  private boolean plaintext;

  /** The SDK's own builder, once something asked for it. */
  private ManagedChannelBuilder<?> bundled;

  ApplicationChannelBuilder(String host, int port, SdkTransport.ApplicationGrpc grpc) {
    this.host = host;
    this.port = port;
    this.grpc = grpc;
  }

  /** The SDK's own builder, with what was set so far; every setting not taken here goes there. */
  @Override
  protected ManagedChannelBuilder<?> delegate() {
    return bundled();
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

  /**
   * The channel on the application's gRPC; if it cannot be built, the SDK's own, and unless this
   * thread was interrupted, every later channel too.
   */
  @Override
  public ManagedChannel build() {
    if (bundled == null && plaintext && SdkTransport.usable()) {
      try {
        ManagedChannel channel = grpc.channel(host, port, keepAliveNanos, keepAliveWithoutCalls);
        SdkTransport.connected(true);
        return channel;
      } catch (Throwable t) {
        if (!Thread.currentThread().isInterrupted()) {
          SdkTransport.failed(t);
        }
      }
    }
    return bundled().build();
  }

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
}
