package org.polarisagent.core.plugin;

import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * An instrumentation plugin, found with {@link java.util.ServiceLoader} in the agent's class
 * loader.
 *
 * <p>Implementations are stateless and cheap to construct: the work they register runs when the
 * application loads the types they match, not at agent start.
 */
public interface AgentPlugin {

  /** A short name for log lines. */
  String name();

  /**
   * The binary names of every type this plugin transforms, known before Byte Buddy is loaded: only
   * these classes wait for the instrumentation when they load before it is ready, and only they are
   * matched.
   */
  java.util.Set<String> typeNames();

  /** Adds this plugin's type transformations to the builder and returns it. */
  AgentBuilder extend(AgentBuilder builder, AgentContext context);
}
