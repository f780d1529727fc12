package org.polarisagent.bootstrap;

import java.util.Map;

/**
 * Bridge called by advice inlined into gRPC channel builder factories.
 *
 * <p>Defined by the system class loader (the agent jar's root, where {@code -javaagent} puts it) so that
 * application classes can see it; JDK types only. Until the
 * agent installs a {@link Handler}, every method leaves the application's values untouched. Thread-safe.
 */
public final class ClientHooks {

  /** What the agent does when a channel builder is created. Implemented inside the agent. */
  public interface Handler {
    /**
     * Called with the target a channel builder factory received; returns the target to use instead
     * (a mapped target rewritten to a Polaris one), or the same string.
     *
     * @param grpcType a gRPC type of the caller, whose class loader holds the application's gRPC
     */
    String onTarget(Class<?> grpcType, String target);

    /**
     * Called after an address-based factory ({@code forAddress(host, port, ...)}) returned; when configuration
     * maps that address to Polaris, returns the builder the application should get instead, else null.
     *
     * @param factory the factory's method name
     * @param arguments the factory's arguments, host and port first
     */
    Object redirectAddress(Class<?> grpcType, String factory, Object[] arguments) throws Exception;

    /** Called with the builder a target factory returned, and the target it was given (after mapping). */
    void onBuilder(String target, Object builder) throws Exception;

    /**
     * Called when the application sets a channel builder's default service config; returns the config to
     * use instead (a Polaris channel keeps the application's config with the Polaris balancer), or the same.
     */
    Map<String, ?> onServiceConfig(Object builder, Map<String, ?> config) throws Exception;

    /** Called when the application sets a channel builder's default policy; returns the policy to use. */
    String onLoadBalancingPolicy(Object builder, String policy) throws Exception;
  }

  private static volatile Handler handler;

  private ClientHooks() {}

  public static void install(Handler newHandler) {
    handler = newHandler;
  }

  public static String onTarget(Class<?> grpcType, String target) {
    Handler current = handler;
    if (current == null || target == null) {
      return target;
    }
    try {
      String result = current.onTarget(grpcType, target);
      return result == null ? target : result;
    } catch (Throwable t) {
      AgentFailures.report("channel target " + target, t);
      return target;
    }
  }

  /** Returns the builder to use instead of the one an address-based factory made, or null to keep it. */
  public static Object redirectAddress(Class<?> grpcType, String factory, Object[] arguments) {
    Handler current = handler;
    if (current == null || arguments == null || arguments.length < 2) {
      return null;
    }
    try {
      return current.redirectAddress(grpcType, factory, arguments);
    } catch (Throwable t) {
      AgentFailures.report("channel factory " + factory, t);
      return null;
    }
  }

  public static void onBuilder(String target, Object builder) {
    Handler current = handler;
    if (current == null || target == null || builder == null) {
      return;
    }
    try {
      current.onBuilder(target, builder);
    } catch (Throwable t) {
      AgentFailures.report("channel builder for " + target, t);
    }
  }

  public static Map<String, ?> onServiceConfig(Object builder, Map<String, ?> config) {
    Handler current = handler;
    if (current == null || builder == null) {
      return config;
    }
    try {
      return current.onServiceConfig(builder, config);
    } catch (Throwable t) {
      AgentFailures.report("default service config", t);
      return config;
    }
  }

  public static String onLoadBalancingPolicy(Object builder, String policy) {
    Handler current = handler;
    if (current == null || builder == null) {
      return policy;
    }
    try {
      return current.onLoadBalancingPolicy(builder, policy);
    } catch (Throwable t) {
      AgentFailures.report("default load-balancing policy", t);
      return policy;
    }
  }
}
