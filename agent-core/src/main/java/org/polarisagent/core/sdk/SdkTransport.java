package org.polarisagent.core.sdk;

import java.util.function.Supplier;
import org.polarisagent.core.logging.AgentLog;
import shade.polaris.io.grpc.ManagedChannel;

/**
 * Which gRPC carries the SDK's connections to the Polaris server: the application's, when the gRPC
 * plugin offers it and it works, else the SDK's own ({@link SdkChannels} asks). Free of SDK types
 * in its code, so that offering at JVM start loads nothing of the SDK. Thread-safe.
 */
public final class SdkTransport {

  /** Makes channels to the Polaris server on the application's gRPC. */
  public interface ApplicationGrpc {
    /**
     * A plaintext channel to {@code host:port}, seen by the SDK as one of its own.
     *
     * @param keepAliveNanos the keep-alive interval the SDK asked for, or -1 for gRPC's default
     */
    ManagedChannel channel(
        String host, int port, long keepAliveNanos, boolean keepAliveWithoutCalls);
  }

  private static volatile Supplier<ApplicationGrpc> finder;
  private static volatile ApplicationGrpc found;
  private static volatile boolean failed;

  /** Whether each of "application" and "own" was said; guarded by the class. */
  private static boolean saidApplication;

  private static boolean saidOwn;

  private SdkTransport() {}

  /**
   * Lets the SDK's plaintext channels to Polaris use the application's gRPC that {@code finder}
   * returns; it is asked at each of the SDK's channels until it returns one (null: none yet, the
   * SDK uses its own for that channel), which is then kept.
   */
  public static void offerApplicationGrpc(Supplier<ApplicationGrpc> finder) {
    SdkTransport.finder = finder;
  }

  /** The application's gRPC to connect over, or null for the SDK's own. */
  static ApplicationGrpc applicationGrpc() {
    if (failed) {
      return null;
    }
    ApplicationGrpc current = found;
    if (current != null) {
      return current;
    }
    synchronized (SdkTransport.class) {
      Supplier<ApplicationGrpc> offered = finder;
      if (found == null && !failed && offered != null) {
        try {
          found = offered.get();
        } catch (Throwable t) {
          failed = true;
          AgentLog.warn(
              "cannot use the application's gRPC for the connection to Polaris, the SDK uses its"
                  + " own: "
                  + t);
        }
      }
      return failed ? null : found;
    }
  }

  /** Whether channels may still be made on the application's gRPC. */
  static boolean usable() {
    return !failed;
  }

  /**
   * Called when the application's gRPC failed to make a channel: one WARN line, and every later
   * channel is the SDK's own.
   */
  static void failed(Throwable t) {
    synchronized (SdkTransport.class) {
      if (!failed) {
        failed = true;
        found = null;
        AgentLog.warn(
            "the application's gRPC cannot make a channel to Polaris, the SDK uses its own from now"
                + " on: "
                + t);
      }
    }
  }

  /** Says at debug level, the first time each happens, over which gRPC the SDK connects. */
  static synchronized void connected(boolean overApplicationGrpc) {
    if (overApplicationGrpc && !saidApplication) {
      saidApplication = true;
      AgentLog.debug("the Polaris SDK connects over the application's gRPC");
    } else if (!overApplicationGrpc && !saidOwn) {
      saidOwn = true;
      AgentLog.debug("the Polaris SDK connects over its own gRPC");
    }
  }

  /** Forgets what was found, offered and said; for tests. */
  static synchronized void reset() {
    SdkTransport.finder = null;
    found = null;
    failed = false;
    saidApplication = false;
    saidOwn = false;
  }
}
