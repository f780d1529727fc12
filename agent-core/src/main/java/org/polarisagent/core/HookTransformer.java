package org.polarisagent.core;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.plugin.AgentPlugin;

/**
 * The only transformer the agent registers. Classes other than the few the plugins name pass at the
 * cost of one hash lookup; a named class goes to its plugin, and any failure there leaves the class
 * as it was, with one log line. Thread-safe (immutable after construction).
 */
final class HookTransformer implements ClassFileTransformer {

  /** Internal names ({@code io/grpc/Grpc}) of the hooked types, with the plugin of each. */
  private final Map<String, AgentPlugin> pluginByInternalName = new HashMap<>();

  HookTransformer(List<AgentPlugin> plugins) {
    for (AgentPlugin plugin : plugins) {
      for (String typeName : plugin.typeNames()) {
        pluginByInternalName.put(typeName.replace('.', '/'), plugin);
      }
    }
  }

  /** Whether a class of this binary name is rewritten when it loads. */
  boolean hooks(String typeName) {
    return pluginByInternalName.containsKey(typeName.replace('.', '/'));
  }

  @Override
  public byte[] transform(
      ClassLoader loader,
      String className,
      Class<?> classBeingRedefined,
      ProtectionDomain protectionDomain,
      byte[] classfileBuffer) {
    AgentPlugin plugin = className == null ? null : pluginByInternalName.get(className);
    if (plugin == null) {
      return null;
    }
    String typeName = className.replace('/', '.');
    try {
      byte[] rewritten = plugin.transform(loader, typeName, classfileBuffer);
      if (rewritten != null) {
        AgentLog.debug("instrumented " + typeName);
      }
      return rewritten;
    } catch (Throwable t) {
      AgentLog.warn("cannot instrument " + typeName + ", it runs unchanged: " + t);
      return null;
    }
  }
}
