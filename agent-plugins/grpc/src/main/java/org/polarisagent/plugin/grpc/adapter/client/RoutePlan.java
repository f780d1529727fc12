package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.ServiceInstances;
import java.util.Set;

/**
 * How the balancer treats the calls of one resolution: either the set of instances every call may use
 * (routing computed once), or per call because routing rules look at the call; and whether method-level
 * circuit breakers must be checked before each call. Immutable.
 */
final class RoutePlan {

  /** Every instance may be used; nothing to route. */
  static final RoutePlan ALL = new RoutePlan(null, false, null, false);

  private final Set<String> allowedIds;
  private final boolean perCall;
  private final ServiceInstances instances;
  private final boolean methodBreakers;

  private RoutePlan(Set<String> allowedIds, boolean perCall, ServiceInstances instances, boolean methodBreakers) {
    this.allowedIds = allowedIds;
    this.perCall = perCall;
    this.instances = instances;
    this.methodBreakers = methodBreakers;
  }

  /** The same plan, checking method-level circuit breakers before each call or not. */
  RoutePlan withMethodBreakers(boolean check) {
    return check == methodBreakers ? this : new RoutePlan(allowedIds, perCall, instances, check);
  }

  boolean checksMethodBreakers() {
    return methodBreakers;
  }

  /** Routing done once: only these instances are used. */
  static RoutePlan fixed(Set<String> allowedIds) {
    return new RoutePlan(allowedIds, false, null, false);
  }

  /** Routing rules apply: each call is routed over {@code instances}. */
  static RoutePlan perCall(ServiceInstances instances) {
    return new RoutePlan(null, true, instances, false);
  }

  boolean allows(String instanceId) {
    return allowedIds == null || allowedIds.contains(instanceId);
  }

  boolean isPerCall() {
    return perCall;
  }

  ServiceInstances instances() {
    return instances;
  }

  /** What identifies the plan, to publish a resolution only when something changed. */
  String identity() {
    String routing = perCall ? "per-call" : allowedIds == null ? "all" : new java.util.TreeSet<>(allowedIds).toString();
    return methodBreakers ? routing + "+method-breakers" : routing;
  }
}
