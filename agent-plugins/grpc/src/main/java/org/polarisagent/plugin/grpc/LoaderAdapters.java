package org.polarisagent.plugin.grpc;

import org.polarisagent.core.sdk.SdkTransport;

/**
 * The adapters of one application class loader that holds gRPC, as the bridge handler sees them:
 * implemented in the adapter package ({@code adapter.GrpcLoaderAdapters}), one instance per such
 * loader. Signatures use {@link Object} because classes outside the adapter package must not
 * reference {@code io.grpc}.
 */
public interface LoaderAdapters {

  /**
   * Makes the Polaris name resolver and load balancer known to this gRPC (idempotent) and starts
   * fetching the target's instances, so that the channel's first call finds them cached.
   */
  void prepareClient(String polarisTarget);

  /** Once the builder of a Polaris channel exists (possibly more than once per builder). */
  void prepareChannelBuilder(Object channelBuilder);

  /** Before a server builder's outermost {@code build()}. */
  void beforeServerBuild(Object serverBuilder);

  /** After a server builder's outermost {@code build()}: the server the application should get. */
  Object afterServerBuild(Object serverBuilder, Object server);

  /** Makes the SDK's channels to the Polaris server on this gRPC; null if it cannot. */
  SdkTransport.ApplicationGrpc sdkChannels();
}
