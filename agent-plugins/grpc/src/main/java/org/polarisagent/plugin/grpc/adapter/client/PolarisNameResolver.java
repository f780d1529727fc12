package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.core.ConsumerAPI;
import com.tencent.polaris.api.pojo.DefaultServiceInstances;
import com.tencent.polaris.api.pojo.Instance;
import com.tencent.polaris.api.pojo.ServiceInstances;
import com.tencent.polaris.api.pojo.ServiceKey;
import com.tencent.polaris.api.rpc.GetAllInstancesRequest;
import com.tencent.polaris.api.rpc.InstancesResponse;
import com.tencent.polaris.api.rpc.WatchServiceRequest;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.sdk.SdkApis;
import org.polarisagent.plugin.grpc.PolarisTarget;

/**
 * Resolves a {@code polaris://} target to the healthy, non-isolated gRPC instances of the service, one
 * address group per instance carrying the instance, and follows changes: the SDK's watch notifies it, and
 * gRPC's {@link #refresh()} re-reads. Its work runs serially on the shared discovery pool, never on gRPC's
 * threads, and never waits for another service's work.
 *
 * <p>The result carries no service config: the application's own default service config (method configs,
 * retries, timeouts, health checks) stays in force, and the channel builder hooks make the Polaris balancer
 * the channel's policy. Thread-safe.
 */
final class PolarisNameResolver extends NameResolver {

  /**
   * Re-read of the SDK's cache: catches rule changes (which the watch does not report) and instances whose
   * circuit breaker lets calls through again.
   */
  private static final long REREAD_SECONDS = 1;
  /** How long calls may wait for the server's first answer before failing with UNAVAILABLE. */
  private static final long FIRST_ANSWER_WAIT_MILLIS = 5_000;

  private final PolarisTarget target;
  private final ClientSupport client;
  private final SynchronizationContext syncContext;
  private final Executor serial;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final DiscoveryState state = new DiscoveryState();
  private volatile Listener2 listener;
  private volatile boolean shutdown;
  private volatile boolean watching;
  private volatile List<String> published;
  private volatile ScheduledFuture<?> reread;
  /** When start() was called; confined to the serial executor after that. */
  private long startNanos;
  /** When the first query was made; confined to the serial executor. */
  private long firstQueryNanos;
  /** Whether a resolution is asked for once the SDK has started; confined to the serial executor. */
  private boolean waitingForSdk;

  PolarisNameResolver(PolarisTarget target, Args args, ClientSupport client) {
    this.target = target;
    this.client = client;
    this.syncContext = args.getSynchronizationContext();
    this.serial = client.newSerialExecutor();
  }

  @Override
  public String getServiceAuthority() {
    return target.authority();
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    startNanos = System.nanoTime();
    resolve();
    reread = client.timer().scheduleWithFixedDelay(this::resolve, REREAD_SECONDS, REREAD_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void refresh() {
    resolve();
  }

  @Override
  public void shutdown() {
    shutdown = true;
    ScheduledFuture<?> task = reread;
    if (task != null) {
      task.cancel(false);
    }
  }

  private void resolve() {
    if (!shutdown && pending.compareAndSet(false, true)) {
      serial.execute(this::resolveNow);
    }
  }

  private void resolveLater(long delayMillis) {
    if (!shutdown) {
      client.timer().schedule(this::resolve, delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void resolveNow() {
    pending.set(false);
    if (shutdown) {
      return;
    }
    SdkApis sdk = client.sdkIfReady();
    ConsumerAPI consumer = sdk == null ? null : sdk.consumer();
    if (consumer == null) {
      awaitSdk();
      return;
    }
    if (firstQueryNanos == 0) {
      firstQueryNanos = System.nanoTime();
    }
    List<Instance> instances;
    RoutePlan plan;
    try {
      instances = healthyInstances(consumer);
      client.routing().callerIp();
      plan = routePlan(sdk, instances);
    } catch (NotAnswered e) {
      if (published == null && System.nanoTime() - firstQueryNanos < TimeUnit.MILLISECONDS.toNanos(FIRST_ANSWER_WAIT_MILLIS)) {
        // Calls wait (bounded) for the first answer rather than fail as if there were no instance.
        resolveLater(250);
        return;
      }
      handleFailure(e);
      return;
    } catch (RuntimeException e) {
      handleFailure(e);
      return;
    }
    if (state.recovered()) {
      AgentLog.info("discovery of " + describe() + " from Polaris works again");
    }
    watch(consumer);
    publish(instances, plan);
  }

  /**
   * The SDK is not there: while it starts, resolve again once it has (calls wait, bounded by
   * {@value ClientSupport#SDK_WAIT_MILLIS} ms); once it failed, or took too long, calls fail with the reason.
   */
  private void awaitSdk() {
    if (client.sdkStarting()
        && System.nanoTime() - startNanos < TimeUnit.MILLISECONDS.toNanos(ClientSupport.SDK_WAIT_MILLIS)) {
      if (!waitingForSdk) {
        waitingForSdk = true;
        client.whenSdkSettled(this::resolve);
        resolveLater(ClientSupport.SDK_WAIT_MILLIS);
      }
      return;
    }
    publishError("Polaris is unavailable for " + describe() + ": " + client.unavailableReason());
  }

  private void handleFailure(RuntimeException e) {
    if (state.failed()) {
      AgentLog.warn("cannot discover " + describe() + " from Polaris: " + e.getMessage()
          + (published != null ? "; its last known instances keep serving" : ""));
    }
    if (published == null) {
      publishError("cannot discover " + describe() + " from Polaris: " + e.getMessage());
    }
  }

  /** The SDK returned no answer from the server (yet) for the service. */
  private static final class NotAnswered extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotAnswered() {
      super("the Polaris server has not answered", null, false, false);
    }
  }

  private RoutePlan routePlan(SdkApis sdk, List<Instance> instances) {
    if (instances.isEmpty()) {
      return RoutePlan.ALL;
    }
    ServiceInstances snapshot =
        new DefaultServiceInstances(new ServiceKey(target.namespace(), target.service()), instances);
    CallRouting routing = client.routing();
    RoutePlan plan = routing.hasRules(sdk, target)
        ? RoutePlan.perCall(snapshot, (all, method, headers) -> routing.route(sdk, all, method, headers))
        : RoutePlan.fixed(routing.route(sdk, snapshot));
    return plan.withMethodBreakers(client.circuitBreakerEnabled() && routing.hasMethodBreakers(sdk, target));
  }

  private List<Instance> healthyInstances(ConsumerAPI consumer) {
    // All instances, unrouted: routing and circuit breaking are per call, in the picker.
    GetAllInstancesRequest request = new GetAllInstancesRequest();
    request.setService(target.service());
    request.setNamespace(target.namespace());
    InstancesResponse response = consumer.getAllInstances(request);
    ServiceInstances answered = response.getServiceInstances();
    if (answered == null || !answered.isInitialized()) {
      // An empty list because the server has not answered yet, not because the service has no instance.
      throw new NotAnswered();
    }
    List<Instance> usable = new ArrayList<>();
    for (Instance instance : response.getInstances()) {
      if (instance.isHealthy() && !instance.isIsolated() && isGrpc(instance.getProtocol())) {
        usable.add(instance);
      }
    }
    Collections.sort(usable);
    return usable;
  }

  private static boolean isGrpc(String protocol) {
    return protocol == null || protocol.isEmpty() || "grpc".equalsIgnoreCase(protocol);
  }

  private void watch(ConsumerAPI consumer) {
    if (watching) {
      return;
    }
    watching = true;
    consumer.watchService(
        WatchServiceRequest.builder()
            .namespace(target.namespace())
            .service(target.service())
            .listeners(Collections.singletonList(event -> resolve()))
            .build());
  }

  private void publish(List<Instance> instances, RoutePlan plan) {
    List<String> identity = new ArrayList<>(instances.size() + 1);
    identity.add(plan.identity());
    List<EquivalentAddressGroup> groups = new ArrayList<>(instances.size());
    for (Instance instance : instances) {
      identity.add(instance.getId() + '@' + instance.getHost() + ':' + instance.getPort() + '/'
          + instance.getWeight() + '/' + instance.getRevision());
      Attributes attributes = Attributes.newBuilder().set(PolarisAttributes.INSTANCE, instance).build();
      groups.add(new EquivalentAddressGroup(
          new InetSocketAddress(instance.getHost(), instance.getPort()), attributes));
    }
    if (identity.equals(published)) {
      return;
    }
    published = identity;
    final ResolutionResult result =
        ResolutionResult.newBuilder()
            .setAddresses(groups)
            .setAttributes(Attributes.newBuilder()
                .set(PolarisAttributes.TARGET, target)
                .set(PolarisAttributes.ROUTE_PLAN, plan)
                .build())
            .build();
    AgentLog.debug(describe() + " resolved to " + instances.size() + " instance(s), routing " + plan.identity());
    syncContext.execute(() -> {
      if (!shutdown) {
        listener.onResult(result);
      }
    });
  }

  private void publishError(String message) {
    final Status error = Status.UNAVAILABLE.withDescription(message);
    syncContext.execute(() -> {
      if (!shutdown) {
        listener.onError(error);
      }
    });
  }

  private String describe() {
    return "service " + target.service() + " in namespace " + target.namespace();
  }
}
