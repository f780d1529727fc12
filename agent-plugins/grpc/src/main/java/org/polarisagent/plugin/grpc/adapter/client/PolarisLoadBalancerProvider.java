package org.polarisagent.plugin.grpc.adapter.client;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver;
import java.util.Map;
import org.polarisagent.plugin.grpc.PolarisTarget;

/**
 * Provides the {@value #POLICY} load-balancing policy, the policy of every Polaris channel.
 * Thread-safe.
 */
public final class PolarisLoadBalancerProvider extends LoadBalancerProvider {

  /** The policy name in the service config of Polaris targets. */
  public static final String POLICY = PolarisTarget.LOAD_BALANCING_POLICY;

  private final ClientSide client;

  public PolarisLoadBalancerProvider(ClientSide client) {
    this.client = client;
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return 5;
  }

  @Override
  public String getPolicyName() {
    return POLICY;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return new PolarisLoadBalancer(helper, client);
  }

  @Override
  public NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    return NameResolver.ConfigOrError.fromConfig(POLICY);
  }
}
