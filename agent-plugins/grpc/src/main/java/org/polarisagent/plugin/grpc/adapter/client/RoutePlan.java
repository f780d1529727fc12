package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.ServiceInstances;
import java.util.Set;

/**
 * How the balancer routes the instances of one resolution: either the set of instances every call may use
 * (routing computed once), or per call because routing rules look at the call. Immutable.
 */
final class RoutePlan {

  /** Every instance may be used; nothing to route. */
  static final RoutePlan ALL = new RoutePlan(null, false, null);

  private final Set<String> allowedIds;
  private final boolean perCall;
  private final ServiceInstances instances;

  private RoutePlan(Set<String> allowedIds, boolean perCall, ServiceInstances instances) {
    this.allowedIds = allowedIds;
    this.perCall = perCall;
    this.instances = instances;
  }

  /** Routing done once: only these instances are used. */
  static RoutePlan fixed(Set<String> allowedIds) {
    return new RoutePlan(allowedIds, false, null);
  }

  /** Routing rules apply: each call is routed over {@code instances}. */
  static RoutePlan perCall(ServiceInstances instances) {
    return new RoutePlan(null, true, instances);
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
    if (perCall) {
      return "per-call";
    }
    return allowedIds == null ? "all" : new java.util.TreeSet<>(allowedIds).toString();
  }
}
