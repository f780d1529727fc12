package org.polarisagent.core;

import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.utility.JavaModule;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.logging.SdkLogFile;
import org.polarisagent.core.logging.Secrets;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.plugin.AgentPlugin;
import org.polarisagent.core.plugin.ShutdownSequence;
import org.polarisagent.core.sdk.PolarisSdk;

/**
 * Starts the agent inside the agent class loader: reads the configuration, prepares the Polaris SDK
 * (started on first need) and installs the plugins' instrumentation. Called once, by reflection,
 * from {@code PolarisAgent} in the bootstrap module.
 */
public final class AgentInstaller {

  private AgentInstaller() {}

  public static void install(
      String agentArgs,
      final Instrumentation instrumentation,
      final ClassLoader agentLoader,
      final long premainStartNanos) {
    AgentConfig config = AgentConfig.load(agentArgs);
    Secrets.add(config.get(AgentConfig.TOKEN));
    AgentLog.setLevel(AgentLog.Level.named(config.get(AgentConfig.LOG_LEVEL)));
    for (String error : config.errors()) {
      AgentLog.error(error);
    }
    if (!config.get(AgentConfig.ENABLED)) {
      AgentLog.info(
          "disabled by " + AgentConfig.ENABLED.name() + "=false: nothing is instrumented");
      return;
    }
    SdkLogFile.configure(
        config.get(AgentConfig.SDK_LOG_FILE),
        AgentLog.Level.named(config.get(AgentConfig.SDK_LOG_LEVEL)));

    final List<AgentPlugin> plugins = new ArrayList<>();
    Set<String> typeNames = new HashSet<>();
    for (AgentPlugin plugin : ServiceLoader.load(AgentPlugin.class, agentLoader)) {
      plugins.add(plugin);
      typeNames.addAll(plugin.typeNames());
    }
    final GatedTransformer gate = new GatedTransformer(typeNames);
    instrumentation.addTransformer(gate, true);
    ShutdownSequence shutdown = new ShutdownSequence();
    final PolarisSdk sdk = PolarisSdk.create(config, agentLoader);
    if (startsSdkAtOnce(config)) {
      sdk.startInBackground();
    }
    final AgentContext context = new AgentContext(config, sdk, agentLoader, shutdown);
    Thread init =
        new Thread(
            new Runnable() {
              @Override
              public void run() {
                buildInstrumentation(
                    context, plugins, typeNames, instrumentation, gate, premainStartNanos);
              }
            },
            "polaris-agent-init");
    init.setDaemon(true);
    init.setContextClassLoader(agentLoader);
    init.start();
    // Final: plugins add their steps later, from the init thread, and those must run before the SDK
    // closes.
    shutdown.addFinal(
        new Runnable() {
          @Override
          public void run() {
            sdk.close();
          }
        });
    shutdown.installHook();
    AgentLog.debug("premain done in " + millisSince(premainStartNanos) + " ms");
  }

  /** Whether {@code polaris.sdk.start} asks for the SDK at JVM start rather than on first need. */
  static boolean startsSdkAtOnce(AgentConfig config) {
    String start = config.get(AgentConfig.SDK_START);
    if ("auto".equals(start)) {
      return !config.get(AgentConfig.SERVICE).isEmpty()
          || !config.get(AgentConfig.CLIENT_TARGET_MAPPING).isEmpty();
    }
    return "eager".equals(start);
  }

  /** Builds the Byte Buddy transformer in the background and opens the gate to it. */
  private static void buildInstrumentation(
      AgentContext context,
      List<AgentPlugin> plugins,
      Set<String> typeNames,
      Instrumentation instrumentation,
      GatedTransformer gate,
      long premainStartNanos) {
    ClassFileTransformer transformer = null;
    try {
      AgentBuilder builder =
          new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
              .disableClassFormatChanges()
              .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
              .with(AgentBuilder.TypeStrategy.Default.DECORATE)
              .with(new FailureListener())
              .ignore(not(namedOneOf(typeNames.toArray(new String[0]))));
      for (AgentPlugin plugin : plugins) {
        builder = plugin.extend(builder, context);
        AgentLog.debug("plugin " + plugin.name() + " installed");
      }
      transformer = builder.makeRaw();
    } catch (Throwable t) {
      AgentLog.error("cannot build the instrumentation; gRPC runs without Polaris", t);
    } finally {
      gate.open(transformer);
    }
    AgentLog.debug("instrumentation ready " + millisSince(premainStartNanos) + " ms after premain");
    if (transformer != null) {
      retransformLoadedClasses(instrumentation, typeNames);
    }
  }

  /** Classes loaded before the transformer was ready (agent attached late, or a timed-out gate). */
  private static void retransformLoadedClasses(
      Instrumentation instrumentation, Set<String> typeNames) {
    List<Class<?>> loaded = new ArrayList<>();
    for (Class<?> type : instrumentation.getAllLoadedClasses()) {
      if (typeNames.contains(type.getName()) && instrumentation.isModifiableClass(type)) {
        loaded.add(type);
      }
    }
    if (loaded.isEmpty()) {
      return;
    }
    try {
      instrumentation.retransformClasses(loaded.toArray(new Class<?>[0]));
    } catch (Throwable t) {
      AgentLog.warn("cannot instrument gRPC classes loaded before the agent was ready: " + t);
    }
  }

  private static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  /** Logs transformation failures: one line each, the class stays as it was. */
  private static final class FailureListener extends AgentBuilder.Listener.Adapter {
    @Override
    public void onError(
        String typeName,
        ClassLoader classLoader,
        JavaModule module,
        boolean loaded,
        Throwable throwable) {
      AgentLog.warn("cannot instrument " + typeName + ", it runs unchanged: " + throwable);
    }

    @Override
    public void onTransformation(
        TypeDescription typeDescription,
        ClassLoader classLoader,
        JavaModule module,
        boolean loaded,
        DynamicType dynamicType) {
      AgentLog.debug("instrumented " + typeDescription.getName());
    }
  }
}
