package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.Instance;
import com.tencent.polaris.api.pojo.ServiceInstances;
import io.grpc.Metadata;
import java.util.List;
import java.util.Set;

/**
 * How the balancer treats the calls of one resolution: either the set of instances every call may
 * use (routing computed once), or per call because routing rules look at the call; and whether
 * method-level circuit breakers must be checked before each call. Immutable.
 */
final class RoutePlan {

  /** Every instance may be used; nothing to route. */
  static final RoutePlan ALL = new RoutePlan(null, null, null, false);

  /** Routes one call over a service's instances. */
  interface CallRouter {
    /** The instances the call may go to. */
    List<Instance> route(ServiceInstances instances, String method, Metadata headers);
  }

  private final Set<String> allowedIds;
  private final CallRouter router;
  private final ServiceInstances instances;
  private final boolean methodBreakers;

  private RoutePlan(
      Set<String> allowedIds,
      CallRouter router,
      ServiceInstances instances,
      boolean methodBreakers) {
    this.allowedIds = allowedIds;
    this.router = router;
    this.instances = instances;
    this.methodBreakers = methodBreakers;
  }

  /** The same plan, checking method-level circuit breakers before each call or not. */
  RoutePlan withMethodBreakers(boolean check) {
    return check == methodBreakers ? this : new RoutePlan(allowedIds, router, instances, check);
  }

  boolean checksMethodBreakers() {
    return methodBreakers;
  }

  /** Routing done once: only these instances are used. */
  static RoutePlan fixed(Set<String> allowedIds) {
    return new RoutePlan(allowedIds, null, null, false);
  }

  /** Routing rules apply: each call is routed over {@code instances} by {@code router}. */
  static RoutePlan perCall(ServiceInstances instances, CallRouter router) {
    return new RoutePlan(null, router, instances, false);
  }

  boolean allows(String instanceId) {
    return allowedIds == null || allowedIds.contains(instanceId);
  }

  boolean isPerCall() {
    return router != null;
  }

  /** The instances one call may go to; only for per-call plans. */
  List<Instance> route(String method, Metadata headers) {
    return router.route(instances, method, headers);
  }

  /** What identifies the plan, to publish a resolution only when something changed. */
  String identity() {
    String routing =
        router != null
            ? "per-call"
            : allowedIds == null ? "all" : new java.util.TreeSet<>(allowedIds).toString();
    return methodBreakers ? routing + "+method-breakers" : routing;
  }
}
