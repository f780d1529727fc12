package org.polarisagent.plugin.grpc;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.polarisagent.bootstrap.ClientHooks;
import org.polarisagent.bootstrap.ServerHooks;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.logging.OncePerKey;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.plugin.AgentPlugin;
import org.polarisagent.core.sdk.SdkTransport;
import org.polarisagent.core.weave.ClassWeaver;
import org.polarisagent.core.weave.MethodHook;
import org.polarisagent.plugin.grpc.weave.ChannelAddressHook;
import org.polarisagent.plugin.grpc.weave.ChannelDefaultsHook;
import org.polarisagent.plugin.grpc.weave.ChannelTargetHook;
import org.polarisagent.plugin.grpc.weave.ServerBuildHook;

/**
 * The gRPC plugin: hooks every public network channel builder factory (in-process excluded), the
 * default service config and policy setters of the channel builder implementations, and {@code
 * build()} of every concrete or forwarding server builder; the added code calls {@link ClientHooks}
 * and {@link ServerHooks}, which this plugin answers with one {@link BridgeHandler}.
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

  /** Class loaders that cannot see the bridge: said once each. */
  private final OncePerKey blindLoaders = new OncePerKey(100);

  /**
   * The hooks of each hooked type, by binary name; in a holder of its own so that premain loads
   * none of ASM.
   */
  private static final class Hooks {
    static final Map<String, List<MethodHook>> BY_TYPE = hooksByType();

    private static Map<String, List<MethodHook>> hooksByType() {
      Map<String, List<MethodHook>> hooks = new HashMap<>();
      List<MethodHook> factories =
          Collections.unmodifiableList(
              Arrays.<MethodHook>asList(new ChannelTargetHook(), new ChannelAddressHook()));
      for (String type : CHANNEL_FACTORIES) {
        hooks.put(type, factories);
      }
      List<MethodHook> defaults =
          Collections.unmodifiableList(
              Arrays.<MethodHook>asList(
                  ChannelDefaultsHook.serviceConfig(), ChannelDefaultsHook.loadBalancingPolicy()));
      for (String type : CHANNEL_BUILDER_IMPLEMENTATIONS) {
        hooks.put(type, defaults);
      }
      List<MethodHook> build = Collections.<MethodHook>singletonList(new ServerBuildHook());
      for (String type : SERVER_BUILDERS) {
        hooks.put(type, build);
      }
      return Collections.unmodifiableMap(hooks);
    }
  }

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
  public void install(AgentContext context) {
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
      mapping = new TargetMapping(Collections.<String, String>emptyMap(), "", false);
    }
    AdaptersByLoader adapters = new AdaptersByLoader(context);
    BridgeHandler handler = new BridgeHandler(adapters, mapping);
    String transport = config.get(AgentConfig.SDK_TRANSPORT);
    if ("application".equals(transport)
        || ("auto".equals(transport) && config.get(AgentConfig.TOKEN).isEmpty())) {
      SdkTransport.offerApplicationGrpc(new SystemLoaderGrpc(adapters));
    }
    ClientHooks.install(handler);
    ServerHooks.install(handler);
    // Added while plugins install, so it runs before the SDK closes: registered servers leave
    // Polaris and drain even if the application exits without shutting them down.
    // (A class, not a method reference: no lambda is spun up in premain.)
    context
        .shutdown()
        .add(
            new Runnable() {
              @Override
              public void run() {
                ServerDepartures.jvm().departAll();
              }
            });
  }

  @Override
  public byte[] transform(ClassLoader loader, String typeName, byte[] classFile) {
    List<MethodHook> hooks = Hooks.BY_TYPE.get(typeName);
    if (hooks == null) {
      return null;
    }
    if (!BridgeVisibility.from(loader, typeName)) {
      if (blindLoaders.first(String.valueOf(loader))) {
        AgentLog.warn(
            "the class loader of "
                + typeName
                + " ("
                + loader
                + ") cannot call the agent's bridge classes (not on its class path, or gRPC in a"
                + " named module); its gRPC runs without Polaris");
      }
      return null;
    }
    return ClassWeaver.weave(classFile, hooks);
  }
}
