package org.polarisagent.plugin.grpc.advice;

import java.util.Map;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import org.polarisagent.bootstrap.ClientHooks;

/**
 * Inlined into the channel builder implementation's {@code defaultServiceConfig} and {@code
 * defaultLoadBalancingPolicy}: on a Polaris channel the application's service config stays, only
 * its load-balancing part becomes the agent's.
 */
public final class ChannelConfigAdvice {

  private ChannelConfigAdvice() {}

  /** For {@code defaultServiceConfig(Map)}. */
  public static final class ServiceConfig {
    private ServiceConfig() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.This Object builder,
        @Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC)
            Map<String, ?> config) {
      config = ClientHooks.onServiceConfig(builder, config);
    }
  }

  /** For {@code defaultLoadBalancingPolicy(String)}. */
  public static final class LoadBalancingPolicy {
    private LoadBalancingPolicy() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.This Object builder, @Advice.Argument(value = 0, readOnly = false) String policy) {
      policy = ClientHooks.onLoadBalancingPolicy(builder, policy);
    }
  }
}
