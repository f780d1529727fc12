package org.polarisagent.core;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.logging.SdkLogFile;
import org.polarisagent.core.logging.Secrets;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.core.metrics.MetricsEndpoint;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.plugin.AgentPlugin;
import org.polarisagent.core.plugin.ShutdownSequence;
import org.polarisagent.core.sdk.PolarisSdk;

/**
 * Starts the agent inside the agent class loader: reads the configuration, prepares the Polaris SDK
 * (started on first need), installs the plugins and registers the one class file transformer.
 * Called once, by reflection, from {@code PolarisAgent} in the bootstrap module.
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

    ShutdownSequence shutdown = new ShutdownSequence();
    final PolarisSdk sdk = PolarisSdk.create(config, agentLoader);
    if (startsSdkAtOnce(config)) {
      sdk.startInBackground();
    }
    AgentContext context =
        new AgentContext(
            config, sdk, agentLoader, shutdown, startMetrics(config, sdk, agentLoader));
    List<AgentPlugin> plugins = new ArrayList<>();
    for (AgentPlugin plugin : ServiceLoader.load(AgentPlugin.class, agentLoader)) {
      try {
        plugin.install(context);
        plugins.add(plugin);
        AgentLog.debug("plugin " + plugin.name() + " installed");
      } catch (Throwable t) {
        AgentLog.error("cannot install plugin " + plugin.name() + "; it instruments nothing", t);
      }
    }
    HookTransformer transformer = new HookTransformer(plugins);
    instrumentation.addTransformer(transformer, true);
    retransformLoadedClasses(instrumentation, transformer);
    // Final: plugins added their steps while they installed, and those must run before the SDK
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

  /**
   * How long after premain the metrics endpoint binds: by then the application's main has started
   * and set the networking properties it sets (binding initialises Java's networking).
   */
  static final long METRICS_BIND_DELAY_MILLIS = 1_000;

  /** The metrics and their endpoint if {@code polaris.metrics.port} is set, else null. */
  private static AgentMetrics startMetrics(
      AgentConfig config, PolarisSdk sdk, ClassLoader agentLoader) {
    int port = config.get(AgentConfig.METRICS_PORT);
    if (port < 0) {
      return null;
    }
    AgentMetrics metrics = new AgentMetrics(config.get(AgentConfig.METRICS_MAX_SERIES));
    metrics.watchSdk(
        new AgentMetrics.SdkState() {
          @Override
          public String state() {
            return sdk.state();
          }

          @Override
          public Map<String, String> connections() {
            return sdk.connectionStates();
          }
        });
    new MetricsEndpoint(
            metrics,
            config.get(AgentConfig.METRICS_HOST),
            port,
            METRICS_BIND_DELAY_MILLIS,
            MetricsEndpoint.LOG,
            agentLoader)
        .start();
    return metrics;
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

  /**
   * Hooked classes loaded before the agent (attached to a running JVM) registered its transformer.
   */
  private static void retransformLoadedClasses(
      Instrumentation instrumentation, HookTransformer transformer) {
    List<Class<?>> loaded = new ArrayList<>();
    for (Class<?> type : instrumentation.getAllLoadedClasses()) {
      if (transformer.hooks(type.getName()) && instrumentation.isModifiableClass(type)) {
        loaded.add(type);
      }
    }
    if (loaded.isEmpty()) {
      return;
    }
    try {
      instrumentation.retransformClasses(loaded.toArray(new Class<?>[0]));
    } catch (Throwable t) {
      AgentLog.warn("cannot instrument classes loaded before the agent started: " + t);
    }
  }

  private static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
