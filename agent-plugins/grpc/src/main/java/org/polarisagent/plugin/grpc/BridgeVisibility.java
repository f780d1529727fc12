package org.polarisagent.plugin.grpc;

import java.lang.reflect.Method;
import java.util.Set;
import org.polarisagent.bootstrap.ClientHooks;
import org.polarisagent.bootstrap.ServerHooks;

/**
 * Whether a gRPC class can call the agent's bridge classes, as the code the agent adds to it does:
 * its loader must resolve them to the agent's own (they live on the system class path), and it must
 * not sit in an explicit named module, which cannot read the class path (gRPC's jars on the module
 * path are automatic modules, which can). Stateless.
 */
final class BridgeVisibility {

  private BridgeVisibility() {}

  /**
   * @param loader the class loader defining the gRPC class (null for the bootstrap loader)
   * @param typeName the gRPC class's binary name
   */
  static boolean from(ClassLoader loader, String typeName) {
    if (loader == null) {
      return false;
    }
    try {
      return Class.forName(ClientHooks.class.getName(), false, loader) == ClientHooks.class
          && Class.forName(ServerHooks.class.getName(), false, loader) == ServerHooks.class
          && !inExplicitModule(typeName.substring(0, Math.max(0, typeName.lastIndexOf('.'))));
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Whether the package belongs to an explicit (not automatic) named module of the boot layer;
   * false on Java 8. Read by reflection, since the agent is built for Java 8.
   */
  static boolean inExplicitModule(String packageName) {
    try {
      Class<?> layerType = Class.forName("java.lang.ModuleLayer");
      Class<?> moduleType = Class.forName("java.lang.Module");
      Method getPackages = moduleType.getMethod("getPackages");
      Method getDescriptor = moduleType.getMethod("getDescriptor");
      Method isAutomatic =
          Class.forName("java.lang.module.ModuleDescriptor").getMethod("isAutomatic");
      Object bootLayer = layerType.getMethod("boot").invoke(null);
      for (Object module : (Set<?>) layerType.getMethod("modules").invoke(bootLayer)) {
        if (((Set<?>) getPackages.invoke(module)).contains(packageName)) {
          return !(Boolean) isAutomatic.invoke(getDescriptor.invoke(module));
        }
      }
      return false;
    } catch (ClassNotFoundException java8) {
      return false;
    } catch (ReflectiveOperationException | RuntimeException unexpected) {
      return true;
    }
  }
}
