package org.polarisagent.core.sdk;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JVM properties as the SDK sees them. The dist build points the SDK's few reads and writes of
 * JVM properties here ({@link SdkCallRedirect}), so that the agent can set what the SDK's libraries
 * read without ever changing a property the application sees:
 *
 * <ul>
 *   <li>a read gives the JVM's property if set (the user's choice wins), else what the SDK wrote
 *       itself, else the agent's value for that name, else nothing;
 *   <li>a write is kept here: the SDK's logging bootstrap sets {@code polaris.log.home}, which the
 *       application never sees.
 * </ul>
 *
 * <p>The agent's values, all under the SDK's relocated names: its netty pools buffers in one arena
 * and runs one event loop thread (its few connections and messages need no more; netty's default is
 * two arenas and two threads per core, each arena keeping a chunk of direct memory for the JVM's
 * life), its gRPC does not record where each channel was made, and on Java 24 and later its netty,
 * protobuf and guava do without {@code sun.misc.Unsafe} (whose memory access makes those JVMs print
 * a warning naming the agent's jar). Thread-safe.
 */
public final class SdkProperties {

  /** The first Java release that warns when {@code sun.misc.Unsafe} accesses memory. */
  private static final int WARNS_ON_UNSAFE = 24;

  private static final Map<String, String> AGENT_VALUES = agentValues(javaRelease());

  private static final Map<String, String> WRITTEN = new ConcurrentHashMap<>();

  private SdkProperties() {}

  /** The property as the SDK sees it, or null. */
  public static String get(String key) {
    String value = System.getProperty(key);
    if (value != null) {
      return value;
    }
    value = WRITTEN.get(key);
    return value != null ? value : AGENT_VALUES.get(key);
  }

  /** The property as the SDK sees it, or {@code otherwise}. */
  public static String get(String key, String otherwise) {
    String value = get(key);
    return value != null ? value : otherwise;
  }

  /** Whether the property as the SDK sees it is {@code true} (ignoring case). */
  public static boolean isTrue(String key) {
    return Boolean.parseBoolean(get(key));
  }

  /** Keeps a property the SDK sets for the SDK alone; returns what it saw before. */
  public static String set(String key, String value) {
    String before = get(key);
    WRITTEN.put(key, value);
    return before;
  }

  static Map<String, String> agentValues(int javaRelease) {
    Map<String, String> values = new HashMap<>();
    values.put("shade.polaris.io.netty.allocator.numDirectArenas", "1");
    values.put("shade.polaris.io.netty.allocator.numHeapArenas", "1");
    values.put("shade.polaris.io.netty.eventLoopThreads", "1");
    values.put("shade.polaris.io.grpc.ManagedChannel.enableAllocationTracking", "false");
    if (javaRelease >= WARNS_ON_UNSAFE) {
      values.put("shade.polaris.io.netty.noUnsafe", "true");
      values.put(SdkUnsafeSwitch.PROPERTY, "true");
    }
    return Collections.unmodifiableMap(values);
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
