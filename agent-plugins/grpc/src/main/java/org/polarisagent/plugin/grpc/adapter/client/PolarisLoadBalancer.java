package org.polarisagent.plugin.grpc.adapter.client;

import static io.grpc.ConnectivityState.CONNECTING;
import static io.grpc.ConnectivityState.IDLE;
import static io.grpc.ConnectivityState.READY;
import static io.grpc.ConnectivityState.TRANSIENT_FAILURE;

import com.tencent.polaris.api.pojo.Instance;
import io.grpc.Attributes;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.plugin.grpc.balance.ConsistentTable;
import org.polarisagent.plugin.grpc.balance.WarmUp;

/**
 * The balancer of a Polaris channel: one subchannel per instance (or per instance of its subset,
 * see {@link ConnectedInstances}), connected eagerly and reconnected when idle; calls go only to
 * READY subchannels, chosen by the configured policy. With no instance, or none reachable, calls
 * fail fast with UNAVAILABLE saying why. While an instance warms up, a new picker with its next
 * weights is published every {@link WarmUp#STEP_MILLIS} ms. Runs in the channel's synchronization
 * context.
 */
final class PolarisLoadBalancer extends LoadBalancer {

  private final Helper helper;
  private final ClientSide client;
  private final OutcomeReporter reporter;
  private final ConnectedInstances connected;
  private final FirstConnections firstConnections;
  private final Map<List<SocketAddress>, Endpoint> endpoints = new LinkedHashMap<>();
  private PolarisTarget target;
  private RoutePlan plan = RoutePlan.ALL;
  private Status lastResolutionError;
  private ConnectivityState currentState;
  private boolean shutDown;

  /** Where the metrics show this channel's instances; null when metrics are off or none yet. */
  private AgentMetrics.ChannelInstances instanceCount;

  /** The hash policy's table over the instances calls may use; null until needed. */
  private ConsistentTable table;

  /** How many endpoints have not ended their first connection attempt yet. */
  private int unattempted;

  /** The address groups of the last resolution. */
  private List<EquivalentAddressGroup> resolvedGroups = java.util.Collections.emptyList();

  /** Whether an instance's connection failed or recovered since the subset was chosen. */
  private boolean resubset;

  /** Whether an update of the balancing state is queued in the synchronization context. */
  private boolean updateQueued;

  /** The next warm-up step while an instance warms up, else null; cancelled at shutdown. */
  private SynchronizationContext.ScheduledHandle warmUpStep;

  PolarisLoadBalancer(Helper helper, ClientSide client) {
    this.helper = helper;
    this.client = client;
    this.connected = new ConnectedInstances(client.subsetting());
    this.firstConnections = new FirstConnections(helper, this::updateBalancingState);
    // A breaker that opens or closes: the resolver routes again at once (an instance's), and a new
    // picker goes out, which calls held for an instance pick again (a method's, the service's).
    this.reporter =
        new OutcomeReporter(
            client,
            () ->
                helper
                    .getSynchronizationContext()
                    .execute(
                        () -> {
                          helper.refreshNameResolution();
                          if (currentState != null) {
                            updateSoon();
                          }
                        }));
  }

  @Override
  public boolean canHandleEmptyAddressListFromNameResolution() {
    return true;
  }

  @Override
  public void handleResolvedAddresses(ResolvedAddresses resolved) {
    PolarisTarget resolvedTarget = resolved.getAttributes().get(PolarisAttributes.TARGET);
    if (resolvedTarget != null) {
      target = resolvedTarget;
    }
    RoutePlan resolvedPlan = resolved.getAttributes().get(PolarisAttributes.ROUTE_PLAN);
    plan = resolvedPlan == null ? RoutePlan.ALL : resolvedPlan;
    lastResolutionError = null;
    resolvedGroups = resolved.getAddresses();
    AgentMetrics metrics = client.metrics();
    if (metrics != null && target != null) {
      if (instanceCount == null) {
        instanceCount = metrics.channelInstances(target.namespace(), target.service());
      }
      instanceCount.set(resolvedGroups.size());
    }
    connectChosen();
    updateBalancingState();
  }

  /**
   * Makes the endpoints those of the instances {@link #connected} chooses from the last resolution:
   * new ones connect, the others are shut down.
   */
  private void connectChosen() {
    Set<List<SocketAddress>> seen = new HashSet<>();
    for (EquivalentAddressGroup group :
        connected.choose(resolvedGroups, plan, target, this::failing)) {
      List<SocketAddress> key = group.getAddresses();
      seen.add(key);
      Endpoint endpoint = endpoints.get(key);
      Instance instance = group.getAttributes().get(PolarisAttributes.INSTANCE);
      if (endpoint == null) {
        endpoint = newEndpoint(group, instance);
        endpoints.put(key, endpoint);
      } else {
        endpoint.instance = instance;
      }
      endpoint.routedAway = !plan.isPerCall() && instance != null && !plan.allows(instance.getId());
    }
    for (java.util.Iterator<Map.Entry<List<SocketAddress>, Endpoint>> it =
            endpoints.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<List<SocketAddress>, Endpoint> entry = it.next();
      if (!seen.contains(entry.getKey())) {
        Endpoint removed = entry.getValue();
        removed.subchannel.shutdown();
        removed.release(client.metrics());
        if (!removed.attempted) {
          unattempted--;
        }
        it.remove();
      }
    }
  }

  /** Whether the instance at these addresses is connected and its connection failed. */
  private boolean failing(List<SocketAddress> addresses) {
    Endpoint endpoint = endpoints.get(addresses);
    return endpoint != null && endpoint.state.getState() == TRANSIENT_FAILURE;
  }

  private Endpoint newEndpoint(EquivalentAddressGroup group, Instance instance) {
    Subchannel subchannel =
        helper.createSubchannel(
            CreateSubchannelArgs.newBuilder()
                .setAddresses(group)
                .setAttributes(Attributes.EMPTY)
                .build());
    final Endpoint endpoint = new Endpoint(subchannel, instance, group.getAddresses());
    endpoint.hold(client.metrics(), target);
    unattempted++;
    subchannel.start(stateInfo -> onSubchannelState(endpoint, stateInfo));
    subchannel.requestConnection();
    return endpoint;
  }

  private void onSubchannelState(Endpoint endpoint, ConnectivityStateInfo stateInfo) {
    if (endpoints.get(endpoint.subchannel.getAllAddresses().get(0).getAddresses()) != endpoint) {
      return; // removed meanwhile
    }
    ConnectivityState previous = endpoint.state.getState();
    if (previous == TRANSIENT_FAILURE
        && (stateInfo.getState() == CONNECTING || stateInfo.getState() == IDLE)) {
      // A failed instance stays failed until it is READY again, as in gRPC's round_robin: otherwise
      // each reconnect attempt would make calls wait instead of failing fast while every instance
      // is down.
      if (stateInfo.getState() == IDLE) {
        endpoint.subchannel.requestConnection();
      }
      return;
    }
    // A subset replaces an instance whose connection failed, and takes it back once it works.
    resubset |= (previous == TRANSIENT_FAILURE) != (stateInfo.getState() == TRANSIENT_FAILURE);
    // Connecting again after IDLE, or failing again (each reconnect attempt of an unreachable
    // instance), changes nothing for calls: no new picker.
    boolean changed = kind(previous) != kind(stateInfo.getState());
    endpoint.state = stateInfo;
    if ((stateInfo.getState() == READY || stateInfo.getState() == TRANSIENT_FAILURE)
        && !endpoint.attempted) {
      endpoint.attempted = true;
      unattempted--;
    }
    if (stateInfo.getState() == TRANSIENT_FAILURE && previous != TRANSIENT_FAILURE) {
      reporter.connectionFailed(target, endpoint.instance);
    }
    if (stateInfo.getState() == IDLE) {
      endpoint.subchannel.requestConnection();
    }
    if (changed) {
      updateSoon();
    }
  }

  /**
   * What a connection state means for calls: READY takes them, TRANSIENT_FAILURE fails, else wait.
   */
  private static int kind(ConnectivityState state) {
    return state == READY ? 0 : state == TRANSIENT_FAILURE ? 1 : 2;
  }

  /**
   * Updates the balancing state once the changes already queued in the synchronization context have
   * been applied: a burst of connection state changes (a thousand instances connecting at once)
   * builds one picker, not one per change.
   */
  private void updateSoon() {
    if (!updateQueued) {
      updateQueued = true;
      helper
          .getSynchronizationContext()
          .execute(
              () -> {
                updateQueued = false;
                if (!shutDown) {
                  if (resubset && client.subsetting().isOn()) {
                    connectChosen();
                  }
                  resubset = false;
                  updateBalancingState();
                }
              });
    }
  }

  @Override
  public void handleNameResolutionError(Status error) {
    lastResolutionError = error;
    if (currentState != READY) {
      publish(TRANSIENT_FAILURE, new PolarisPicker.Failing(error, reporter, target));
    }
  }

  @Override
  public void shutdown() {
    shutDown = true;
    firstConnections.cancel();
    if (warmUpStep != null) {
      warmUpStep.cancel();
      warmUpStep = null;
    }
    for (Endpoint endpoint : endpoints.values()) {
      endpoint.subchannel.shutdown();
      endpoint.release(client.metrics());
    }
    endpoints.clear();
    if (instanceCount != null) {
      instanceCount.close();
    }
  }

  private void updateBalancingState() {
    List<Endpoint> ready = new ArrayList<>();
    boolean connecting = false;
    Status lastFailure = null;
    for (Endpoint endpoint : endpoints.values()) {
      if (endpoint.routedAway) {
        continue; // by rules, metadata, nearby routing or a circuit breaker
      }
      ConnectivityState state = endpoint.state.getState();
      if (state == READY) {
        ready.add(endpoint);
      } else if (state == CONNECTING || state == IDLE) {
        connecting = true;
      } else if (state == TRANSIENT_FAILURE) {
        lastFailure = endpoint.state.getStatus();
      }
    }
    if (!ready.isEmpty() && firstConnections.holdCalls(unattempted)) {
      // The channel's first instances are still connecting: calls wait, to spread evenly.
      publish(CONNECTING, PolarisPicker.Buffering.INSTANCE);
    } else if (!ready.isEmpty()) {
      PolarisPicker.Balancing picker =
          new PolarisPicker.Balancing(ready, client, reporter, target, plan, hashTable());
      publish(READY, picker);
      if (picker.warming() && warmUpStep == null) {
        warmUpStep =
            helper
                .getSynchronizationContext()
                .schedule(
                    this::nextWarmUpStep,
                    WarmUp.STEP_MILLIS,
                    TimeUnit.MILLISECONDS,
                    helper.getScheduledExecutorService());
      }
    } else if (endpoints.isEmpty()) {
      Status status =
          lastResolutionError != null
              ? lastResolutionError
              : Status.UNAVAILABLE.withDescription(
                  "no instance of "
                      + describe()
                      + " is available: Polaris lists no healthy gRPC instance");
      publish(TRANSIENT_FAILURE, new PolarisPicker.Failing(status, reporter, target));
    } else if (connecting) {
      publish(CONNECTING, PolarisPicker.Buffering.INSTANCE);
    } else {
      publish(
          TRANSIENT_FAILURE,
          new PolarisPicker.Failing(
              Status.UNAVAILABLE.withDescription(
                  "no instance of "
                      + describe()
                      + " is reachable: "
                      + endpoints.size()
                      + " instance(s) failed to connect, last: "
                      + lastFailure),
              reporter,
              target));
    }
  }

  /**
   * For a hash policy, its table over the instances calls may use (kept while they stay); else
   * null.
   */
  private ConsistentTable hashTable() {
    String policy = client.settings().loadBalancer();
    table =
        ConsistentTable.hashes(policy) ? Endpoint.table(policy, endpoints.values(), table) : null;
    return table;
  }

  /** Publishes the picker of the next warm-up step (and schedules the one after, if any). */
  private void nextWarmUpStep() {
    warmUpStep = null;
    updateBalancingState();
  }

  private void publish(ConnectivityState state, SubchannelPicker picker) {
    if (state != currentState) {
      AgentLog.debug(describe() + ": balancer " + state);
    }
    currentState = state;
    if (plan.checksBreakers() && target != null && !(picker instanceof PolarisPicker.Balancing)) {
      picker = new BreakerGuard(picker, client, reporter, target, plan);
    }
    helper.updateBalancingState(state, picker);
  }

  private String describe() {
    return target == null
        ? "the Polaris service"
        : "service " + target.service() + " in namespace " + target.namespace();
  }
}
