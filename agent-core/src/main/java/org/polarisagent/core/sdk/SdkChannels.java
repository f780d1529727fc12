package org.polarisagent.core.sdk;

import com.tencent.polaris.plugins.connector.grpc.ChannelTlsCertificates;
import com.tencent.polaris.plugins.connector.grpc.ManagedChannelUtil;
import javax.net.ssl.SSLException;
import shade.polaris.io.grpc.ManagedChannelBuilder;

/**
 * Where the SDK's channels come from. The dist build points the SDK's {@code
 * ManagedChannelBuilder.forAddress}, {@code forTarget} and {@code ManagedChannelUtil.setChannelTls}
 * calls here ({@link SdkCallRedirect}): a plaintext channel of its connector or rate limiter to the
 * Polaris server is made on the application's gRPC when {@link SdkTransport} has one, so the SDK's
 * own gRPC and netty (about 1,100 classes and their compilation) are not loaded; any other channel
 * is the SDK's own as before. Thread-safe.
 */
public final class SdkChannels {

  private SdkChannels() {}

  /** In place of the SDK's {@code ManagedChannelBuilder.forAddress(host, port)}. */
  public static ManagedChannelBuilder<?> forAddress(String host, int port) {
    SdkTransport.ApplicationGrpc grpc = SdkTransport.applicationGrpc();
    return grpc == null ? bundled(host, port) : new ApplicationChannelBuilder(host, port, grpc);
  }

  /**
   * In place of the SDK's {@code ManagedChannelBuilder.forTarget(target)} (location and certificate
   * plugins the agent does not enable): always the SDK's own.
   */
  public static ManagedChannelBuilder<?> forTarget(String target) {
    EarlySdkClasses.initialize();
    SdkTransport.connected(false);
    return ManagedChannelBuilder.forTarget(target);
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

  /** A builder of the SDK's own gRPC. */
  static ManagedChannelBuilder<?> bundled(String host, int port) {
    EarlySdkClasses.initialize();
    SdkTransport.connected(false);
    return ManagedChannelBuilder.forAddress(host, port);
  }
}
