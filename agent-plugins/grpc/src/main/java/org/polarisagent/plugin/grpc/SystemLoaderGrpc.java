package org.polarisagent.plugin.grpc;

import java.util.function.Supplier;
import org.polarisagent.core.sdk.SdkTransport;

/**
 * The gRPC of the system class loader, for the SDK to connect over ({@code
 * polaris.sdk.transport=application}), once the application has used it: once the bridge has made
 * that loader's adapters (a Polaris channel, a server build), so the agent never starts the
 * application's gRPC before the application does. Null until then, and for a gRPC the agent does
 * not support. A gRPC of another loader is never used: that loader may be undeployed, and the SDK's
 * connection must not keep it. Thread-safe.
 */
final class SystemLoaderGrpc implements Supplier<SdkTransport.ApplicationGrpc> {

  private final AdaptersByLoader adapters;

  SystemLoaderGrpc(AdaptersByLoader adapters) {
    this.adapters = adapters;
  }

  @Override
  public SdkTransport.ApplicationGrpc get() {
    LoaderAdapters system = adapters.existing(ClassLoader.getSystemClassLoader());
    return system == null ? null : system.sdkChannels();
  }
}
