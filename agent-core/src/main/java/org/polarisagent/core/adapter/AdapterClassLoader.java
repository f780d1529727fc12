package org.polarisagent.core.adapter;

import java.io.IOException;
import org.polarisagent.bootstrap.AgentClassLoader;

/**
 * Defines a plugin's adapter classes (the ones that extend or implement library types) once per
 * application class loader that holds the library.
 *
 * <p>Lookup order: classes of the adapter package are defined here from the agent jar; any other
 * class comes from the agent class loader if it has it (agent core, the Polaris SDK; for the JDK's
 * namespaces and the bridge types, what the agent loader delegates to), else from the application
 * loader (the library itself). So adapters see the application's library and the agent's internals,
 * and the application sees neither the adapters nor the internals. Thread-safe.
 */
public final class AdapterClassLoader extends ClassLoader {

  static {
    registerAsParallelCapable();
  }

  private final AgentClassLoader agentLoader;
  private final ClassLoader applicationLoader;
  private final String adapterPackage;

  /**
   * @param adapterPackage package prefix (ending with a dot) of the classes defined in this loader
   */
  public AdapterClassLoader(
      AgentClassLoader agentLoader, ClassLoader applicationLoader, String adapterPackage) {
    super(null);
    this.agentLoader = agentLoader;
    this.applicationLoader = applicationLoader;
    this.adapterPackage = adapterPackage;
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    synchronized (getClassLoadingLock(name)) {
      Class<?> type = findLoadedClass(name);
      if (type == null) {
        type = name.startsWith(adapterPackage) ? defineAdapter(name) : delegate(name);
      }
      if (resolve) {
        resolveClass(type);
      }
      return type;
    }
  }

  private Class<?> defineAdapter(String name) throws ClassNotFoundException {
    byte[] bytes;
    try {
      bytes = agentLoader.classBytes(name);
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
    if (bytes == null) {
      throw new ClassNotFoundException(name);
    }
    return defineClass(name, bytes, 0, bytes.length, agentLoader.protectionDomain());
  }

  private Class<?> delegate(String name) throws ClassNotFoundException {
    if (!AgentClassLoader.isSharedName(name)) {
      Class<?> held = heldByAgent(name);
      if (held != null) {
        return held;
      }
      if (applicationLoader != null) {
        // The application's loader reaches the JVM's own loaders too.
        return applicationLoader.loadClass(name);
      }
    }
    try {
      return agentLoader.loadClass(name);
    } catch (ClassNotFoundException notInAgent) {
      if (applicationLoader == null) {
        throw notInAgent;
      }
      return applicationLoader.loadClass(name);
    }
  }

  /** The agent's class of this name; null if it has none or cannot read it. */
  private Class<?> heldByAgent(String name) {
    try {
      return agentLoader.loadHeld(name);
    } catch (ClassNotFoundException unreadable) {
      return null;
    }
  }
}
