package org.polarisagent.core.sdk;

import com.tencent.polaris.plugins.connector.grpc.ChannelTlsCertificates;
import com.tencent.polaris.plugins.connector.grpc.ManagedChannelUtil;
import javax.net.ssl.SSLException;
import shade.polaris.io.grpc.ManagedChannelBuilder;

/**
 * Where the SDK's channels to the Polaris server come from. The dist build points the SDK's {@code
 * ManagedChannelBuilder.forAddress} and {@code ManagedChannelUtil.setChannelTls} calls here ({@link
 * SdkCallRedirect}): a plaintext channel is then made on the application's gRPC when the gRPC
 * plugin offers it ({@link SdkTransport}), so the SDK's own gRPC and netty (about 1,100 classes and
 * their compilation) are never loaded; a TLS channel, or any channel once the application's gRPC
 * failed to make one, is the SDK's own as before. Thread-safe.
 */
public final class SdkChannels {

  private SdkChannels() {}

  /** In place of the SDK's {@code ManagedChannelBuilder.forAddress(host, port)}. */
  public static ManagedChannelBuilder<?> forAddress(String host, int port) {
    SdkTransport.ApplicationGrpc grpc = SdkTransport.applicationGrpc();
    return grpc == null ? bundled(host, port) : new ApplicationChannelBuilder(host, port, grpc);
  }

  /** A builder of the SDK's own gRPC. */
  static ManagedChannelBuilder<?> bundled(String host, int port) {
    EarlyClasses.SDK.initialize();
    return ManagedChannelBuilder.forAddress(host, port);
  }

  /**
   * In place of the SDK's {@code ManagedChannelUtil.setChannelTls(builder, certificates)}: a
   * channel with TLS is always the SDK's own.
   */
  public static void setChannelTls(
      ManagedChannelBuilder<?> builder, ChannelTlsCertificates certificates) throws SSLException {
    ManagedChannelUtil.setChannelTls(
        builder instanceof ApplicationChannelBuilder
            ? ((ApplicationChannelBuilder) builder).bundled()
            : builder,
        certificates);
  }
}
