package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.listener.ServiceListener;
import com.tencent.polaris.api.pojo.DefaultServiceInstances;
import com.tencent.polaris.api.pojo.Instance;
import com.tencent.polaris.api.pojo.ServiceInstances;
import com.tencent.polaris.api.pojo.ServiceKey;
import com.tencent.polaris.api.rpc.GetAllInstancesRequest;
import com.tencent.polaris.api.rpc.InstancesResponse;
import com.tencent.polaris.api.rpc.UnWatchServiceRequest;
import com.tencent.polaris.api.rpc.WatchServiceRequest;
import com.tencent.polaris.specification.api.v1.fault.tolerance.CircuitBreakerProto;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.polarisagent.core.sdk.SdkApis;
import org.polarisagent.plugin.grpc.PolarisTarget;

/**
 * The {@link ServiceDirectory} of the Polaris SDK: its cache of instances (all of them, unrouted:
 * routing and circuit breaking happen in the balancer), its rules and its watch. Thread-safe.
 */
final class SdkServiceDirectory implements ServiceDirectory {

  private final SdkApis sdk;
  private final CallRouting routing;
  private final boolean breakers;

  SdkServiceDirectory(SdkApis sdk, CallRouting routing, boolean circuitBreakerEnabled) {
    this.sdk = sdk;
    this.routing = routing;
    this.breakers = circuitBreakerEnabled;
  }

  @Override
  public List<Instance> instances(PolarisTarget target) {
    GetAllInstancesRequest request = new GetAllInstancesRequest();
    request.setService(target.service());
    request.setNamespace(target.namespace());
    InstancesResponse response = sdk.consumer().getAllInstances(request);
    ServiceInstances answered = response.getServiceInstances();
    if (answered == null || !answered.isInitialized()) {
      // An empty list because the server has not answered yet, not because the service has no
      // instance.
      return null;
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
    return protocol == null
        || protocol.isEmpty()
        || PolarisTarget.PROTOCOL.equalsIgnoreCase(protocol);
  }

  @Override
  public RoutePlan routePlan(PolarisTarget target, List<Instance> instances) {
    if (instances.isEmpty()) {
      return RoutePlan.ALL;
    }
    routing.callerIp(); // found here, off the application's threads, before any call is routed
    ServiceInstances snapshot =
        new DefaultServiceInstances(
            new ServiceKey(target.namespace(), target.service()), instances);
    RouteRules rules = routing.rules(sdk, target);
    RoutePlan plan =
        rules.any()
            ? RoutePlan.perCall(
                snapshot, (all, method, headers) -> routing.route(sdk, all, method, headers), rules)
            : RoutePlan.fixed(routing.route(sdk, snapshot));
    if (!breakers) {
      return plan;
    }
    Set<CircuitBreakerProto.Level> levels = routing.breakerLevels(sdk, target);
    return plan.withBreakers(
        levels.contains(CircuitBreakerProto.Level.METHOD),
        levels.contains(CircuitBreakerProto.Level.SERVICE));
  }

  @Override
  public Runnable watch(final PolarisTarget target, final Runnable onChange) {
    final List<ServiceListener> listeners =
        Collections.<ServiceListener>singletonList(event -> onChange.run());
    sdk.consumer()
        .watchService(
            WatchServiceRequest.builder()
                .namespace(target.namespace())
                .service(target.service())
                .listeners(listeners)
                .build());
    return () ->
        sdk.consumer()
            .unWatchService(
                UnWatchServiceRequest.UnWatchServiceRequestBuilder.anUnWatchServiceRequest()
                    .namespace(target.namespace())
                    .service(target.service())
                    .listeners(listeners)
                    .build());
  }
}
