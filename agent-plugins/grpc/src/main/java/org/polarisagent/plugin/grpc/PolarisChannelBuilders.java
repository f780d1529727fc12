package org.polarisagent.plugin.grpc;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.logging.OncePerKey;

/**
 * What the agent changes on the builder of a Polaris channel, and nothing else: its load-balancing
 * policy becomes the Polaris balancer, while the application's default service config (method
 * configs, retry and hedging policies, retry throttling, timeouts) stays in force. Works on gRPC's
 * builders by reflection, so it needs none of the application's gRPC types. Thread-safe.
 */
final class PolarisChannelBuilders {

  private static final String BUILDER_BASE = "io.grpc.ManagedChannelBuilder";

  private final OncePerKey said = new OncePerKey(1000);

  /**
   * Makes the Polaris balancer the default policy of a new builder of a Polaris target; a builder
   * that refuses gets one WARN per target saying what the channel loses.
   */
  void prepare(String target, Object builder) {
    try {
      Class<?> base = builder.getClass();
      while (base != null && !BUILDER_BASE.equals(base.getName())) {
        base = base.getSuperclass();
      }
      if (base == null) {
        throw new IllegalArgumentException(
            builder.getClass().getName() + " is not a ManagedChannelBuilder");
      }
      base.getMethod("defaultLoadBalancingPolicy", String.class)
          .invoke(builder, PolarisTarget.LOAD_BALANCING_POLICY);
    } catch (ReflectiveOperationException | RuntimeException e) {
      Throwable cause = e instanceof InvocationTargetException ? e.getCause() : e;
      if (said.first("prepare " + target)) {
        AgentLog.warn(
            "channel "
                + target
                + ": cannot make the Polaris balancer its policy ("
                + cause
                + "); it"
                + " discovers through Polaris but balances with gRPC's default policy, without Polaris routing or"
                + " circuit breaking");
      }
    }
  }

  /**
   * The policy a builder should use: the Polaris balancer on a Polaris channel, else the one asked
   * for.
   */
  String policy(Object builder, String policy) throws IllegalAccessException {
    if (PolarisTarget.LOAD_BALANCING_POLICY.equals(policy)) {
      return policy;
    }
    String target = targetOf(builder);
    if (!PolarisTarget.isPolaris(target)) {
      return policy;
    }
    logOnce(
        "policy " + target,
        "channel "
            + target
            + ": the application's load-balancing policy '"
            + policy
            + "' is replaced by the Polaris balancer");
    return PolarisTarget.LOAD_BALANCING_POLICY;
  }

  /**
   * The service config a builder should use: on a Polaris channel, the application's with its
   * load-balancing part naming the Polaris balancer; else the application's unchanged.
   */
  Map<String, ?> serviceConfig(Object builder, Map<String, ?> config)
      throws IllegalAccessException {
    String target = targetOf(builder);
    if (config == null || !PolarisTarget.isPolaris(target)) {
      return config;
    }
    Object appBalancing =
        config.containsKey("loadBalancingConfig")
            ? config.get("loadBalancingConfig")
            : config.get("loadBalancingPolicy");
    Map<String, Object> polaris = new LinkedHashMap<>(config);
    polaris.remove("loadBalancingPolicy");
    polaris.put(
        "loadBalancingConfig",
        Collections.singletonList(
            Collections.singletonMap(PolarisTarget.LOAD_BALANCING_POLICY, Collections.emptyMap())));
    if (appBalancing != null) {
      logOnce(
          "config " + target,
          "channel "
              + target
              + ": the load balancing of the application's service config ("
              + appBalancing
              + ") is replaced by the Polaris balancer; the rest of it applies");
    }
    return polaris;
  }

  private void logOnce(String what, String message) {
    if (said.first(what)) {
      AgentLog.info(message);
    }
  }

  /**
   * The target a gRPC channel builder implementation was created with, or null if it has none (a
   * builder that only forwards). Called once or twice per channel builder, so not cached.
   */
  private static String targetOf(Object builder) throws IllegalAccessException {
    for (Class<?> c = builder.getClass(); c != null; c = c.getSuperclass()) {
      Field field;
      try {
        field = c.getDeclaredField("target");
      } catch (NoSuchFieldException e) {
        continue;
      }
      if (field.getType() == String.class) {
        field.setAccessible(true);
        return (String) field.get(builder);
      }
    }
    return null;
  }
}
