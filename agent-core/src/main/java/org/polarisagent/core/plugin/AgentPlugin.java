package org.polarisagent.core.plugin;

import java.util.Set;

/**
 * An instrumentation plugin, found with {@link java.util.ServiceLoader} in the agent's class
 * loader.
 *
 * <p>Implementations are cheap to construct and to install: what they set up runs when the
 * application loads and uses the types they name, not at agent start.
 */
public interface AgentPlugin {

  /** A short name for log lines. */
  String name();

  /**
   * The binary names of every type this plugin rewrites: only these are given to {@link
   * #transform}.
   */
  Set<String> typeNames();

  /**
   * Called once at agent start (premain, or agentmain when attached), before any of {@link
   * #typeNames()} is rewritten: installs what the rewritten code calls.
   */
  void install(AgentContext context);

  /**
   * Returns the rewritten class file of one of {@link #typeNames()}, or null to leave it as it is.
   * If it throws, the class loads unchanged and the agent logs one line.
   *
   * @param loader the class loader defining the type (null for the bootstrap loader)
   */
  byte[] transform(ClassLoader loader, String typeName, byte[] classFile) throws Exception;
}
