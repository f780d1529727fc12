package org.polarisagent.plugin.grpc;

/**
 * Marks the thread that builds the SDK's channel to Polaris on the application's gRPC: the bridge
 * leaves that build as it is (no target mapping, no Polaris preparation), whatever the
 * configuration says of the Polaris server's address. Thread-safe.
 */
public final class SdkChannelBuilds {

  private static final ThreadLocal<Boolean> BUILDING = new ThreadLocal<>();

  private SdkChannelBuilds() {}

  /** Marks this thread until {@link #end()}. */
  public static void begin() {
    BUILDING.set(Boolean.TRUE);
  }

  /** Unmarks this thread. */
  public static void end() {
    BUILDING.remove();
  }

  /** Whether this thread is building the SDK's channel. */
  static boolean inProgress() {
    return BUILDING.get() != null;
  }
}
