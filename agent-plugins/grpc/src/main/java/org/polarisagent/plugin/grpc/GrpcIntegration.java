package org.polarisagent.plugin.grpc;

/**
 * What the agent does with one application's gRPC: implemented by the adapter package, one instance per
 * class loader that holds gRPC. Signatures use {@link Object} because the agent side cannot see {@code io.grpc}.
 */
public interface GrpcIntegration {

  /**
   * Makes the Polaris name resolver and load balancer known to this gRPC (idempotent) and starts fetching
   * the target's instances, so that the channel's first call finds them cached.
   */
  void prepareClient(String polarisTarget);

  /** Before a server builder's outermost {@code build()}. */
  void beforeServerBuild(Object serverBuilder);

  /** After a server builder's outermost {@code build()}: the server the application should get. */
  Object afterServerBuild(Object serverBuilder, Object server);
}
