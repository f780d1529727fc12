package org.polarisagent.plugin.grpc;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import org.polarisagent.bootstrap.ClientHooks;
import org.polarisagent.bootstrap.ServerHooks;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.logging.OncePerKey;

/**
 * What the bridge calls: answers the {@link ClientHooks} and {@link ServerHooks} calls of the code
 * the agent adds to gRPC. Maps channel targets, has the {@link LoaderAdapters} of the channel's
 * class loader prepare the Polaris resolver and balancer for Polaris targets (and the builders of
 * Polaris channels), and hands server builds to those of the builder's loader. Thread-safe.
 */
final class BridgeHandler implements ClientHooks.Handler, ServerHooks.Handler {

  private final AdaptersByLoader adapters;
  private final TargetMapping mapping;
  private final PolarisChannelBuilders builders = new PolarisChannelBuilders();
  private final OncePerKey mappingLogged = new OncePerKey(1000);

  BridgeHandler(AdaptersByLoader adapters, TargetMapping mapping) {
    this.adapters = adapters;
    this.mapping = mapping;
  }

  @Override
  public String onTarget(Class<?> grpcType, String target) {
    if (SdkChannelBuilds.inProgress()) {
      return target;
    }
    String mapped = mapping.map(target);
    String result = mapped == null ? target : mapped;
    if (PolarisTarget.isPolaris(result)) {
      adapters.forType(grpcType).prepareClient(result);
      if (mapped != null && mappingLogged.first(target)) {
        AgentLog.info(
            "channel target " + target + " is mapped to " + mapped + " (said once per target)");
      }
    }
    return result;
  }

  @Override
  public void onBuilder(String target, Object builder) {
    if (PolarisTarget.isPolaris(target) && !SdkChannelBuilds.inProgress()) {
      builders.prepare(target, builder);
      adapters.forType(builder.getClass()).prepareChannelBuilder(builder);
    }
  }

  @Override
  public Map<String, ?> onServiceConfig(Object builder, Map<String, ?> config)
      throws IllegalAccessException {
    return builders.serviceConfig(builder, config);
  }

  @Override
  public String onLoadBalancingPolicy(Object builder, String policy) throws IllegalAccessException {
    return builders.policy(builder, policy);
  }

  @Override
  public Object redirectAddress(Class<?> grpcType, String factory, Object[] arguments)
      throws Exception {
    if (mapping.isEmpty()
        || SdkChannelBuilds.inProgress()
        || !(arguments[0] instanceof String)
        || !(arguments[1] instanceof Integer)) {
      return null;
    }
    String mapped = mapping.map((String) arguments[0], (Integer) arguments[1]);
    if (mapped == null) {
      return null;
    }
    String targetFactory = "forAddress".equals(factory) ? "forTarget" : "newChannelBuilder";
    Object[] targetArguments = new Object[arguments.length - 1];
    targetArguments[0] = mapped;
    System.arraycopy(arguments, 2, targetArguments, 1, arguments.length - 2);
    for (Method method : grpcType.getMethods()) {
      if (method.getName().equals(targetFactory)
          && method.getDeclaringClass() == grpcType
          && method.getParameterTypes().length == targetArguments.length
          && method.getParameterTypes()[0] == String.class
          && matches(method.getParameterTypes(), targetArguments)) {
        // The target factory is instrumented too: it prepares the Polaris resolver.
        return method.invoke(null, targetArguments);
      }
    }
    AgentLog.warn(
        "cannot map "
            + arguments[0]
            + ":"
            + arguments[1]
            + " created by "
            + grpcType.getName()
            + "."
            + factory
            + Arrays.toString(arguments)
            + ": no "
            + targetFactory
            + " counterpart; the channel is unchanged");
    return null;
  }

  private static boolean matches(Class<?>[] parameterTypes, Object[] arguments) {
    for (int i = 1; i < parameterTypes.length; i++) {
      if (arguments[i] != null && !parameterTypes[i].isInstance(arguments[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void beforeBuild(Object builder) {
    adapters.forType(builder.getClass()).beforeServerBuild(builder);
  }

  @Override
  public Object afterBuild(Object builder, Object server) {
    return adapters.forType(builder.getClass()).afterServerBuild(builder, server);
  }
}
