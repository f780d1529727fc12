package org.polarisagent.core.plugin;

import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.core.sdk.PolarisSdk;

/**
 * What the agent core gives plugins: configuration, the SDK, the agent loader, the exit sequence
 * and the metrics (only when on). Immutable.
 */
public final class AgentContext {

  private final AgentConfig config;
  private final PolarisSdk sdk;
  private final ClassLoader agentLoader;
  private final ShutdownSequence shutdown;
  private final AgentMetrics metrics;

  public AgentContext(
      AgentConfig config,
      PolarisSdk sdk,
      ClassLoader agentLoader,
      ShutdownSequence shutdown,
      AgentMetrics metrics) {
    this.config = config;
    this.sdk = sdk;
    this.agentLoader = agentLoader;
    this.shutdown = shutdown;
    this.metrics = metrics;
  }

  public AgentConfig config() {
    return config;
  }

  public PolarisSdk sdk() {
    return sdk;
  }

  public ClassLoader agentLoader() {
    return agentLoader;
  }

  public ShutdownSequence shutdown() {
    return shutdown;
  }

  /**
   * The metrics, or null when they are off ({@code polaris.metrics.port} empty): a part that gets
   * null wires no counting, so calls cost nothing more.
   */
  public AgentMetrics metrics() {
    return metrics;
  }
}
