package org.polarisagent.core.plugin;

import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.sdk.PolarisSdk;

/**
 * What the agent core gives plugins: configuration, the SDK, the agent loader and the exit
 * sequence. Immutable.
 */
public final class AgentContext {

  private final AgentConfig config;
  private final PolarisSdk sdk;
  private final ClassLoader agentLoader;
  private final ShutdownSequence shutdown;

  public AgentContext(
      AgentConfig config, PolarisSdk sdk, ClassLoader agentLoader, ShutdownSequence shutdown) {
    this.config = config;
    this.sdk = sdk;
    this.agentLoader = agentLoader;
    this.shutdown = shutdown;
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
}
