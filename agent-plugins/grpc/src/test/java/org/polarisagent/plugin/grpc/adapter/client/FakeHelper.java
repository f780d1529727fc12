package org.polarisagent.plugin.grpc.adapter.client;

import io.grpc.ChannelLogger;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.SynchronizationContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a channel gives a balancer, reduced to recording the subchannels it creates and the pickers
 * it publishes. Shared with the picker benchmark of integration-tests (through this module's test
 * jar).
 */
final class FakeHelper extends LoadBalancer.Helper {
  final List<FakeSubchannel> subchannels = new ArrayList<>();
  private final SynchronizationContext syncContext;
  private final ScheduledExecutorService timer;
  // Volatile: a balancer's timers publish from the timer thread while a test reads.
  volatile ConnectivityState state;
  volatile LoadBalancer.SubchannelPicker picker;
  volatile int updates;

  FakeHelper(SynchronizationContext syncContext, ScheduledExecutorService timer) {
    this.syncContext = syncContext;
    this.timer = timer;
  }

  @Override
  public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
    FakeSubchannel subchannel =
        new FakeSubchannel(args.getAddresses(), args.getAttributes(), syncContext);
    subchannels.add(subchannel);
    return subchannel;
  }

  @Override
  public void updateBalancingState(
      ConnectivityState newState, LoadBalancer.SubchannelPicker newPicker) {
    state = newState;
    picker = newPicker;
    updates++;
  }

  @Override
  public SynchronizationContext getSynchronizationContext() {
    return syncContext;
  }

  @Override
  public ScheduledExecutorService getScheduledExecutorService() {
    return timer;
  }

  @Override
  public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
    throw new UnsupportedOperationException();
  }

  @Override
  public NameResolver.Factory getNameResolverFactory() {
    throw new UnsupportedOperationException();
  }

  @Override
  public String getAuthority() {
    return "echo";
  }

  @Override
  public ChannelLogger getChannelLogger() {
    return QuietChannelLogger.INSTANCE;
  }

  @Override
  public void refreshNameResolution() {}
}
