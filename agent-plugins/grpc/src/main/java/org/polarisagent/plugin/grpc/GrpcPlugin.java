package org.polarisagent.plugin.grpc;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.polarisagent.bootstrap.ClientHooks;
import org.polarisagent.bootstrap.ServerHooks;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.plugin.AgentPlugin;
import org.polarisagent.plugin.grpc.advice.ChannelAddressAdvice;
import org.polarisagent.plugin.grpc.advice.ChannelConfigAdvice;
import org.polarisagent.plugin.grpc.advice.ChannelTargetAdvice;
import org.polarisagent.plugin.grpc.advice.ServerBuildAdvice;

/**
 * The gRPC plugin: hooks every public network channel builder factory (in-process excluded), the
 * default service config and policy setters of the channel builder implementations, and {@code
 * build()} of every concrete or forwarding server builder; the advice calls {@link ClientHooks} and
 * {@link ServerHooks}, which this plugin answers with one {@link BridgeHandler}.
 */
public final class GrpcPlugin implements AgentPlugin {

  /**
   * Types whose static factories create network channel builders. In-process builders are left
   * alone.
   */
  static final String[] CHANNEL_FACTORIES = {
    "io.grpc.ManagedChannelBuilder",
    "io.grpc.Grpc",
    "io.grpc.netty.NettyChannelBuilder",
    "io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder",
    "io.grpc.okhttp.OkHttpChannelBuilder",
  };

  /**
   * The channel builder implementations every network channel builder ends in (1.30 to 1.33.0, and
   * after): where the application's default service config and policy are set.
   */
  static final String[] CHANNEL_BUILDER_IMPLEMENTATIONS = {
    "io.grpc.internal.AbstractManagedChannelImplBuilder",
    "io.grpc.internal.ManagedChannelImplBuilder",
  };

  /**
   * Every concrete or forwarding server builder of gRPC-Java (1.30 to the latest); builders that
   * forward to one of these (the application's own, xDS) are covered through it.
   */
  static final String[] SERVER_BUILDERS = {
    "io.grpc.internal.AbstractServerImplBuilder",
    "io.grpc.internal.ServerImplBuilder",
    "io.grpc.ForwardingServerBuilder",
    "io.grpc.netty.NettyServerBuilder",
    "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
    "io.grpc.okhttp.OkHttpServerBuilder",
    "io.grpc.inprocess.InProcessServerBuilder",
  };

  @Override
  public String name() {
    return "grpc";
  }

  @Override
  public Set<String> typeNames() {
    Set<String> names = new HashSet<>(Arrays.asList(CHANNEL_FACTORIES));
    names.addAll(Arrays.asList(CHANNEL_BUILDER_IMPLEMENTATIONS));
    names.addAll(Arrays.asList(SERVER_BUILDERS));
    return names;
  }

  @Override
  public AgentBuilder extend(AgentBuilder builder, AgentContext context) {
    AgentConfig config = context.config();
    TargetMapping mapping;
    try {
      mapping =
          new TargetMapping(
              config.get(AgentConfig.CLIENT_TARGET_MAPPING),
              config.get(AgentConfig.NAMESPACE),
              config.get(AgentConfig.CLIENT_KEEP_AUTHORITY));
    } catch (IllegalArgumentException invalid) {
      AgentLog.error(
          "invalid "
              + AgentConfig.CLIENT_TARGET_MAPPING.name()
              + ": "
              + invalid.getMessage()
              + "; no target is mapped");
      mapping = new TargetMapping(java.util.Collections.<String, String>emptyMap(), "", false);
    }
    BridgeHandler handler = new BridgeHandler(new AdaptersByLoader(context), mapping);
    ClientHooks.install(handler);
    ServerHooks.install(handler);
    // Added while plugins install, so it runs before the SDK closes: registered servers leave
    // Polaris and drain even if the application exits without shutting them down.
    context.shutdown().add(ServerDepartures.jvm()::departAll);
    return builder
        .type(namedOneOf(CHANNEL_FACTORIES))
        .transform(
            (typeBuilder, type, loader, module, domain) ->
                typeBuilder
                    .visit(
                        Advice.to(ChannelTargetAdvice.class)
                            .on(
                                isStatic()
                                    .and(namedOneOf("forTarget", "newChannelBuilder"))
                                    .and(takesArgument(0, String.class))))
                    .visit(
                        Advice.to(ChannelAddressAdvice.class)
                            .on(
                                isStatic()
                                    .and(namedOneOf("forAddress", "newChannelBuilderForAddress"))
                                    .and(takesArgument(0, String.class))
                                    .and(takesArgument(1, int.class)))))
        .type(namedOneOf(CHANNEL_BUILDER_IMPLEMENTATIONS))
        .transform(
            (typeBuilder, type, loader, module, domain) ->
                typeBuilder
                    .visit(
                        Advice.to(ChannelConfigAdvice.ServiceConfig.class)
                            .on(implementedSetter("defaultServiceConfig", Map.class)))
                    .visit(
                        Advice.to(ChannelConfigAdvice.LoadBalancingPolicy.class)
                            .on(implementedSetter("defaultLoadBalancingPolicy", String.class))))
        .type(namedOneOf(SERVER_BUILDERS))
        .transform(
            (typeBuilder, type, loader, module, domain) ->
                typeBuilder.visit(
                    Advice.to(ServerBuildAdvice.class)
                        .on(named("build").and(takesArguments(0)).and(not(isAbstract())))));
  }

  /**
   * The implemented (neither abstract nor bridge) one-argument method {@code name} whose argument
   * is of {@code argumentType}: a channel builder setter the advice watches.
   */
  private static ElementMatcher.Junction<MethodDescription> implementedSetter(
      String name, Class<?> argumentType) {
    return named(name)
        .and(takesArguments(1))
        .and(takesArgument(0, argumentType))
        .and(not(isBridge()))
        .and(not(isAbstract()));
  }
}
