package org.polarisagent.plugin.grpc.adapter.client;

import io.grpc.Attributes;
import io.grpc.ChannelLogger;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.util.List;

/** A subchannel that never connects: its state is set by the test, in the channel's context. */
final class FakeSubchannel extends LoadBalancer.Subchannel {
  private final List<EquivalentAddressGroup> addresses;
  private final Attributes attributes;
  private final SynchronizationContext syncContext;
  private LoadBalancer.SubchannelStateListener listener;
  boolean connectionRequested;
  boolean shutdown;

  FakeSubchannel(
      List<EquivalentAddressGroup> addresses,
      Attributes attributes,
      SynchronizationContext syncContext) {
    this.addresses = addresses;
    this.attributes = attributes;
    this.syncContext = syncContext;
  }

  void set(ConnectivityState state) {
    connectionRequested = false;
    syncContext.execute(() -> listener.onSubchannelState(ConnectivityStateInfo.forNonError(state)));
  }

  void fail() {
    syncContext.execute(
        () ->
            listener.onSubchannelState(
                ConnectivityStateInfo.forTransientFailure(
                    Status.UNAVAILABLE.withDescription("connection refused"))));
  }

  @Override
  public void start(LoadBalancer.SubchannelStateListener listener) {
    this.listener = listener;
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public void requestConnection() {
    connectionRequested = true;
  }

  @Override
  public List<EquivalentAddressGroup> getAllAddresses() {
    return addresses;
  }

  @Override
  public Attributes getAttributes() {
    return attributes;
  }

  @Override
  public ChannelLogger getChannelLogger() {
    return QuietChannelLogger.INSTANCE;
  }
}
