package org.polarisagent.bootstrap;

import java.util.Map;

/**
 * Bridge called by the code the agent adds to gRPC channel builder factories and to the channel
 * builders' default service config and policy setters. Its methods never throw.
 *
 * <p>Defined by the system class loader (the agent jar's root, where {@code -javaagent} puts it) so
 * that application classes can see it; JDK types only. Until the agent installs a {@link Handler},
 * every method leaves the application's values untouched. Thread-safe.
 */
public final class ClientHooks {

  /**
   * What the agent does when a channel builder is created. Implemented inside the agent
   * (BridgeHandler).
   */
  public interface Handler {
    /**
     * Called with the target a channel builder factory received; returns the target to use instead
     * (a mapped target rewritten to a Polaris one), or the same string.
     *
     * @param grpcType a gRPC type of the caller, whose class loader holds the application's gRPC
     */
    String onTarget(Class<?> grpcType, String target);

    /**
     * Called after an address-based factory ({@code forAddress(host, port, ...)}) returned; when
     * configuration maps that address to Polaris, returns the builder the application should get
     * instead, else null.
     *
     * @param factory the factory's method name
     * @param arguments the factory's arguments, host and port first
     */
    Object redirectAddress(Class<?> grpcType, String factory, Object[] arguments) throws Exception;

    /**
     * Called with the builder a target factory returned, and the target it was given (after
     * mapping).
     */
    void onBuilder(String target, Object builder) throws Exception;

    /**
     * Called when the application sets a channel builder's default service config; returns the
     * config to use instead (a Polaris channel keeps the application's config with the Polaris
     * balancer), or the same.
     */
    Map<String, ?> onServiceConfig(Object builder, Map<String, ?> config) throws Exception;

    /**
     * Called when the application sets a channel builder's default policy; returns the policy to
     * use.
     */
    String onLoadBalancingPolicy(Object builder, String policy) throws Exception;
  }

  private static volatile Handler handler;

  private ClientHooks() {}

  public static void install(Handler newHandler) {
    handler = newHandler;
  }

  public static String onTarget(Class<?> grpcType, String target) {
    if (target == null) {
      return null;
    }
    String result =
        call("channel target ", target, target, current -> current.onTarget(grpcType, target));
    return result == null ? target : result;
  }

  /**
   * Returns the builder the application gets from an address-based factory: the one the factory
   * made, or the builder of the Polaris target that configuration maps the address to, if it is of
   * the factory's return type.
   *
   * @param arguments the factory's arguments, host and port first
   */
  public static Object redirectAddress(
      Class<?> grpcType, String factory, Class<?> returnType, Object builder, Object[] arguments) {
    if (arguments == null || arguments.length < 2) {
      return builder;
    }
    Object mapped =
        call(
            "channel factory ",
            factory,
            null,
            current -> current.redirectAddress(grpcType, factory, arguments));
    if (mapped == null) {
      return builder;
    }
    if (!returnType.isInstance(mapped)) {
      AgentFailures.report(
          "channel factory " + factory,
          new ClassCastException(
              mapped.getClass().getName() + " is not a " + returnType.getName()));
      return builder;
    }
    return mapped;
  }

  public static void onBuilder(String target, Object builder) {
    if (target == null || builder == null) {
      return;
    }
    call(
        "channel builder for ",
        target,
        null,
        current -> {
          current.onBuilder(target, builder);
          return null;
        });
  }

  public static Map<String, ?> onServiceConfig(Object builder, Map<String, ?> config) {
    if (builder == null) {
      return config;
    }
    return call(
        "default service config", "", config, current -> current.onServiceConfig(builder, config));
  }

  public static String onLoadBalancingPolicy(Object builder, String policy) {
    if (builder == null) {
      return policy;
    }
    return call(
        "default load-balancing policy",
        "",
        policy,
        current -> current.onLoadBalancingPolicy(builder, policy));
  }

  /** One call of the handler's. */
  private interface HandlerCall<T> {
    T on(Handler current) throws Exception;
  }

  /**
   * Makes one call of the installed handler; without a handler, or if the call fails (reported once
   * per site as {@code what} followed by {@code subject}), returns {@code unchanged}.
   */
  private static <T> T call(String what, String subject, T unchanged, HandlerCall<T> call) {
    Handler current = handler;
    if (current == null) {
      return unchanged;
    }
    try {
      return call.on(current);
    } catch (Throwable t) {
      AgentFailures.report(what + subject, t);
      return unchanged;
    }
  }
}
