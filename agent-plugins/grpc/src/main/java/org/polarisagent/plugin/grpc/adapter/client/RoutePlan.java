package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.Instance;
import com.tencent.polaris.api.pojo.ServiceInstances;
import io.grpc.Metadata;
import java.util.List;
import java.util.Set;

/**
 * How the balancer treats the calls of one resolution: either the set of instances every call may
 * use (routing computed once), or per call because routing rules look at the call (then calls the
 * rules cannot tell apart may share a result, see {@link #callKey(String, Metadata)}); and whether
 * the service's or its methods' circuit breakers must be checked before each call. Immutable.
 */
final class RoutePlan {

  /** Every instance may be used; nothing to route. */
  static final RoutePlan ALL = new RoutePlan(null, null, null, RouteRules.NONE, false, false);

  /** Routes one call over a service's instances. */
  interface CallRouter {
    /** The instances the call may go to. */
    List<Instance> route(ServiceInstances instances, String method, Metadata headers);
  }

  private final Set<String> allowedIds;
  private final CallRouter router;
  private final ServiceInstances instances;
  private final RouteRules rules;
  private final boolean methodBreakers;
  private final boolean serviceBreaker;

  private RoutePlan(
      Set<String> allowedIds,
      CallRouter router,
      ServiceInstances instances,
      RouteRules rules,
      boolean methodBreakers,
      boolean serviceBreaker) {
    this.allowedIds = allowedIds;
    this.router = router;
    this.instances = instances;
    this.rules = rules;
    this.methodBreakers = methodBreakers;
    this.serviceBreaker = serviceBreaker;
  }

  /**
   * The same plan, checking before each call the method-level circuit breakers, the service-level
   * one, both or neither.
   */
  RoutePlan withBreakers(boolean methods, boolean service) {
    return methods == methodBreakers && service == serviceBreaker
        ? this
        : new RoutePlan(allowedIds, router, instances, rules, methods, service);
  }

  boolean checksMethodBreakers() {
    return methodBreakers;
  }

  boolean checksServiceBreaker() {
    return serviceBreaker;
  }

  boolean checksBreakers() {
    return methodBreakers || serviceBreaker;
  }

  /** Routing done once: only these instances are used. */
  static RoutePlan fixed(Set<String> allowedIds) {
    return new RoutePlan(allowedIds, null, null, RouteRules.NONE, false, false);
  }

  /**
   * Routing rules apply: each call is routed over {@code instances} by {@code router}, or shares
   * the result of an earlier call with the same {@link #callKey(String, Metadata)}.
   */
  static RoutePlan perCall(ServiceInstances instances, CallRouter router, RouteRules rules) {
    return new RoutePlan(null, router, instances, rules, false, false);
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

  /**
   * What the rules can see of a call, for a per-call plan: calls with equal keys may share one
   * routing result. Null when each call must be routed on its own.
   */
  Object callKey(String method, Metadata headers) {
    return rules.callKey(method, headers);
  }

  /**
   * What identifies the plan, to publish a resolution only when something changed (for a per-call
   * plan, what {@link RouteRules#identity()} says of the rules: once the resolver sees a changed
   * rule, the balancer makes a new picker, which routes afresh).
   */
  String identity() {
    String routing =
        router != null
            ? "per-call:" + rules.identity()
            : allowedIds == null ? "all" : new java.util.TreeSet<>(allowedIds).toString();
    return routing
        + (methodBreakers ? "+method-breakers" : "")
        + (serviceBreaker ? "+service-breaker" : "");
  }
}
