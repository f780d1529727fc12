package org.polarisagent.core.sdk;

import org.polarisagent.core.logging.AgentLog;

/**
 * Initializes, on the agent's SDK start thread and before the SDK runs, the few SDK classes whose
 * static initializers keep the initializing thread's stack or read a JVM-wide property, each with
 * the property the agent needs set only while it initializes (and only if the user did not set it):
 *
 * <ul>
 *   <li>The SDK's event executor and channel references keep a stack trace of the thread that
 *       initializes them, and its channels that of the thread that creates them unless allocation
 *       tracking is off. Initialized by an application thread, they would pin that application's
 *       class loader for the life of the JVM.
 *   <li>On Java 24 and later, the SDK's netty, protobuf and guava futures are told not to use
 *       {@code sun.misc.Unsafe}, whose memory-access methods make those JVMs print a warning naming
 *       the agent's jar on the application's stderr. The SDK's few connections and messages do not
 *       need the speed. (Protobuf and guava have no such switch of their own: the dist build adds
 *       one, see {@link SdkUnsafeSwitch}.)
 *   <li>The SDK's netty pools its buffers in one arena rather than netty's two per core: each arena
 *       a thread has used holds a chunk of direct memory (2 MB for gRPC's allocator) for the life
 *       of the JVM, and the SDK's few connections and messages need no more than one.
 * </ul>
 */
final class EarlySdkClasses {

  /** Read when the classes below initialize; the SDK's relocated name of gRPC's property. */
  private static final String CHANNEL_ALLOCATION_TRACKING =
      "shade.polaris.io.grpc.ManagedChannel.enableAllocationTracking";

  private static final String[] STACK_CAPTURING_CLASSES = {
    "shade.polaris.io.netty.util.concurrent.GlobalEventExecutor",
    "shade.polaris.io.grpc.internal.ManagedChannelOrphanWrapper$ManagedChannelReference",
  };

  /** The SDK's relocated name of netty's property. */
  private static final String NETTY_NO_UNSAFE = "shade.polaris.io.netty.noUnsafe";

  private static final String NETTY_PLATFORM =
      "shade.polaris.io.netty.util.internal.PlatformDependent";

  /** The SDK's relocated names of netty's allocator properties, and the class that reads them. */
  private static final String[] NETTY_ARENAS = {
    "shade.polaris.io.netty.allocator.numDirectArenas",
    "shade.polaris.io.netty.allocator.numHeapArenas"
  };

  private static final String NETTY_ALLOCATOR =
      "shade.polaris.io.netty.buffer.PooledByteBufAllocator";

  /** The first Java release that warns when {@code sun.misc.Unsafe} accesses memory. */
  private static final int WARNS_ON_UNSAFE = 24;

  private EarlySdkClasses() {}

  static void initialize() {
    if (javaRelease() >= WARNS_ON_UNSAFE) {
      initializeWith(NETTY_NO_UNSAFE, "true", NETTY_PLATFORM);
      initializeWith(
          SdkUnsafeSwitch.PROPERTY, "true", SdkUnsafeSwitch.PROTOBUF, SdkUnsafeSwitch.GUAVA);
    }
    initializeWith(CHANNEL_ALLOCATION_TRACKING, "false", STACK_CAPTURING_CLASSES);
    initializeWith(
        NETTY_ARENAS[0], "1", () -> initializeWith(NETTY_ARENAS[1], "1", NETTY_ALLOCATOR));
  }

  private static void initializeWith(String property, String value, String... classNames) {
    initializeWith(property, value, () -> initialize(classNames));
  }

  /** Runs {@code initialize} with {@code property} set to {@code value} unless the user set it. */
  private static void initializeWith(String property, String value, Runnable initialize) {
    boolean set = System.getProperty(property) == null;
    if (set) {
      System.setProperty(property, value);
    }
    try {
      initialize.run();
    } finally {
      if (set) {
        System.clearProperty(property);
      }
    }
  }

  private static void initialize(String... classNames) {
    for (String name : classNames) {
      try {
        Class.forName(name, true, EarlySdkClasses.class.getClassLoader());
      } catch (Throwable notThere) {
        AgentLog.debug("cannot initialize " + name + " early: " + notThere);
      }
    }
  }

  /** The running Java's feature release: 8 for "1.8", 25 for "25". */
  static int javaRelease() {
    String version = System.getProperty("java.specification.version", "1.8");
    try {
      return Integer.parseInt(version.startsWith("1.") ? version.substring(2) : version);
    } catch (NumberFormatException e) {
      return 8;
    }
  }
}
