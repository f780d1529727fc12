package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.Instance;
import io.grpc.Attributes;
import org.polarisagent.plugin.grpc.PolarisTarget;

/** Keys of what the Polaris resolver hands the Polaris balancer. */
final class PolarisAttributes {

  /** The Polaris instance behind an address group. */
  static final Attributes.Key<Instance> INSTANCE = Attributes.Key.create("polaris.instance");

  /** The target a resolution result belongs to. */
  static final Attributes.Key<PolarisTarget> TARGET = Attributes.Key.create("polaris.target");

  /** How the balancer must route the instances of a resolution result. */
  static final Attributes.Key<RoutePlan> ROUTE_PLAN = Attributes.Key.create("polaris.route-plan");

  private PolarisAttributes() {}

  /** The attributes of the address group of an instance. */
  static Attributes ofInstance(Instance instance) {
    return Attributes.newBuilder().set(INSTANCE, instance).build();
  }

  /** The attributes of a resolution result of the target, to be routed by the plan. */
  static Attributes ofResult(PolarisTarget target, RoutePlan plan) {
    return Attributes.newBuilder().set(TARGET, target).set(ROUTE_PLAN, plan).build();
  }
}
