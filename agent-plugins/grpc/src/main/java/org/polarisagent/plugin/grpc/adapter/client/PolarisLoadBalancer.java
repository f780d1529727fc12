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
import org.polarisagent.plugin.grpc.balance.WarmUp;

/**
 * The balancer of a Polaris channel: one subchannel per instance, connected eagerly and reconnected
 * when idle; calls go only to READY subchannels, chosen by the configured policy. With no instance,
 * or none reachable, calls fail fast with UNAVAILABLE saying why. While an instance warms up, a new
 * picker with its next weights is published every {@link WarmUp#STEP_MILLIS} ms. Runs in the
 * channel's synchronization context.
 */
final class PolarisLoadBalancer extends LoadBalancer {

  private final Helper helper;
  private final ClientSide client;
  private final OutcomeReporter reporter;
  private final Map<List<SocketAddress>, Endpoint> endpoints = new LinkedHashMap<>();
  private PolarisTarget target;
  private RoutePlan plan = RoutePlan.ALL;
  private Status lastResolutionError;
  private ConnectivityState currentState;
  private boolean shutDown;

  /** Where the metrics show this channel's instances; null when metrics are off or none yet. */
  private AgentMetrics.ChannelInstances instanceCount;

  /**
   * When the first instance became READY while others were still connecting; 0 if not in that
   * phase.
   */
  private long firstReadyNanos;

  /** The timer that ends the first-connections grace; cancelled at shutdown. */
  private SynchronizationContext.ScheduledHandle graceTimer;

  /** The next warm-up step while an instance warms up, else null; cancelled at shutdown. */
  private SynchronizationContext.ScheduledHandle warmUpStep;

  static final long FIRST_CONNECTIONS_GRACE_MILLIS = 1000;

  PolarisLoadBalancer(Helper helper, ClientSide client) {
    this.helper = helper;
    this.client = client;
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
                          if (currentState != null && !shutDown) {
                            updateBalancingState();
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
    Set<List<SocketAddress>> seen = new HashSet<>();
    for (EquivalentAddressGroup group : resolved.getAddresses()) {
      List<SocketAddress> key = group.getAddresses();
      seen.add(key);
      Endpoint endpoint = endpoints.get(key);
      Instance instance = group.getAttributes().get(PolarisAttributes.INSTANCE);
      if (endpoint == null) {
        endpoints.put(key, newEndpoint(group, instance));
      } else {
        endpoint.instance = instance;
      }
    }
    for (java.util.Iterator<Map.Entry<List<SocketAddress>, Endpoint>> it =
            endpoints.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<List<SocketAddress>, Endpoint> entry = it.next();
      if (!seen.contains(entry.getKey())) {
        entry.getValue().subchannel.shutdown();
        release(entry.getValue());
        it.remove();
      }
    }
    AgentMetrics metrics = client.metrics();
    if (metrics != null && target != null) {
      if (instanceCount == null) {
        instanceCount = metrics.channelInstances(target.namespace(), target.service());
      }
      instanceCount.set(endpoints.size());
    }
    updateBalancingState();
  }

  private Endpoint newEndpoint(EquivalentAddressGroup group, Instance instance) {
    Subchannel subchannel =
        helper.createSubchannel(
            CreateSubchannelArgs.newBuilder()
                .setAddresses(group)
                .setAttributes(Attributes.EMPTY)
                .build());
    final Endpoint endpoint = new Endpoint(subchannel, instance);
    AgentMetrics metrics = client.metrics();
    if (metrics != null && target != null && instance != null) {
      endpoint.metered = target;
      metrics.holdInstance(target.namespace(), target.service(), address(instance));
    }
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
    endpoint.state = stateInfo;
    if (stateInfo.getState() == READY || stateInfo.getState() == TRANSIENT_FAILURE) {
      endpoint.attempted = true;
    }
    if (stateInfo.getState() == TRANSIENT_FAILURE && previous != TRANSIENT_FAILURE) {
      reporter.connectionFailed(target, endpoint.instance);
    }
    if (stateInfo.getState() == IDLE) {
      endpoint.subchannel.requestConnection();
    }
    updateBalancingState();
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
    if (graceTimer != null) {
      graceTimer.cancel();
    }
    if (warmUpStep != null) {
      warmUpStep.cancel();
      warmUpStep = null;
    }
    for (Endpoint endpoint : endpoints.values()) {
      endpoint.subchannel.shutdown();
      release(endpoint);
    }
    endpoints.clear();
    if (instanceCount != null) {
      instanceCount.close();
    }
  }

  /** Lets the metrics of an instance the balancer drops go, unless another channel has it. */
  private void release(Endpoint endpoint) {
    PolarisTarget metered = endpoint.metered;
    if (metered != null) {
      endpoint.metered = null;
      client
          .metrics()
          .releaseInstance(metered.namespace(), metered.service(), address(endpoint.heldInstance));
    }
  }

  /** An instance as metrics name it. */
  static String address(Instance instance) {
    return instance.getHost() + ":" + instance.getPort();
  }

  private void updateBalancingState() {
    List<Endpoint> ready = new ArrayList<>();
    boolean connecting = false;
    Status lastFailure = null;
    for (Endpoint endpoint : endpoints.values()) {
      if (!plan.isPerCall()
          && endpoint.instance != null
          && !plan.allows(endpoint.instance.getId())) {
        continue; // routed away (rules, metadata, nearby, circuit breaker)
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
    if (!ready.isEmpty() && awaitingFirstConnections()) {
      // The channel's first instances: hold calls until each made its first attempt (at most the
      // grace), so that they spread evenly instead of all landing on the instance that connected
      // first.
      publish(CONNECTING, PolarisPicker.Buffering.INSTANCE);
    } else if (!ready.isEmpty()) {
      PolarisPicker.Balancing picker =
          new PolarisPicker.Balancing(ready, client, reporter, target, plan);
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

  /** Publishes the picker of the next warm-up step (and schedules the one after, if any). */
  private void nextWarmUpStep() {
    warmUpStep = null;
    updateBalancingState();
  }

  /**
   * True while some instance is still making its first connection attempt and the first READY one
   * became ready less than {@value #FIRST_CONNECTIONS_GRACE_MILLIS} ms ago (a timer re-evaluates
   * when that ends).
   */
  private boolean awaitingFirstConnections() {
    boolean pending = false;
    for (Endpoint endpoint : endpoints.values()) {
      pending |= !endpoint.attempted;
    }
    if (!pending) {
      return false;
    }
    long now = System.nanoTime();
    if (firstReadyNanos == 0) {
      firstReadyNanos = now;
      graceTimer =
          helper
              .getSynchronizationContext()
              .schedule(
                  this::updateBalancingState,
                  FIRST_CONNECTIONS_GRACE_MILLIS,
                  TimeUnit.MILLISECONDS,
                  helper.getScheduledExecutorService());
    }
    return now - firstReadyNanos < TimeUnit.MILLISECONDS.toNanos(FIRST_CONNECTIONS_GRACE_MILLIS);
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

  /** One instance and its subchannel. Mutated only in the synchronization context. */
  static final class Endpoint {
    final Subchannel subchannel;
    volatile Instance instance;
    ConnectivityStateInfo state = ConnectivityStateInfo.forNonError(IDLE);

    /** Whether the first connection attempt has ended (READY or failed). */
    boolean attempted;

    /** The instance held in the metrics, and its destination; null if none is held. */
    final Instance heldInstance;

    PolarisTarget metered;

    Endpoint(Subchannel subchannel, Instance instance) {
      this.subchannel = subchannel;
      this.instance = instance;
      this.heldInstance = instance;
    }
  }
}
