package org.polarisagent.plugin.grpc;

import java.util.Collections;
import java.util.Properties;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.plugin.ShutdownSequence;
import org.polarisagent.core.sdk.PolarisSdk;

/**
 * The agent context unit tests give the plugin's parts: configuration from the given sources, an
 * SDK that is unavailable (no Polaris server is contacted), the test class loader as agent loader
 * and a fresh exit sequence.
 */
public final class TestAgentContext {

  private TestAgentContext() {}

  /** A context configured by these agent arguments only ({@code null}: none). */
  public static AgentContext withoutSdk(String agentArgs) {
    return withoutSdk(agentArgs, new Properties());
  }

  /**
   * A context configured by these agent arguments ({@code null}: none) and system properties; no
   * environment variables.
   */
  public static AgentContext withoutSdk(String agentArgs, Properties systemProperties) {
    return withoutSdk(agentArgs, systemProperties, null);
  }

  /** Such a context with these metrics ({@code null}: off). */
  public static AgentContext withoutSdk(
      String agentArgs, Properties systemProperties, AgentMetrics metrics) {
    AgentConfig config =
        AgentConfig.load(agentArgs, systemProperties, Collections.<String, String>emptyMap());
    return new AgentContext(
        config,
        PolarisSdk.unavailable("test"),
        TestAgentContext.class.getClassLoader(),
        new ShutdownSequence(),
        metrics);
  }
}
