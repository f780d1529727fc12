package org.polarisagent.core.sdk;

import org.polarisagent.core.logging.AgentLog;

/**
 * Initializes, on the agent's SDK start thread and before the SDK runs, the SDK classes whose
 * static initializers keep the initializing thread's stack: the SDK's global event executor and its
 * channel references. Initialized by an application thread, they would pin that application's class
 * loader for the life of the JVM. (The SDK's channels would keep the stack of the thread that
 * creates each of them too, but {@link SdkProperties} turns that recording off.)
 */
final class EarlySdkClasses {

  private static final String[] STACK_CAPTURING_CLASSES = {
    "shade.polaris.io.netty.util.concurrent.GlobalEventExecutor",
    "shade.polaris.io.grpc.internal.ManagedChannelOrphanWrapper$ManagedChannelReference",
  };

  private EarlySdkClasses() {}

  static void initialize() {
    for (String name : STACK_CAPTURING_CLASSES) {
      try {
        Class.forName(name, true, EarlySdkClasses.class.getClassLoader());
      } catch (Throwable notThere) {
        AgentLog.debug("cannot initialize " + name + " early: " + notThere);
      }
    }
  }
}
