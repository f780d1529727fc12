package org.polarisagent.bootstrap;

/**
 * Bridge called by the code the agent adds to {@code ServerBuilder.build()} of every concrete or
 * forwarding gRPC server builder. Its methods never throw.
 *
 * <p>Forwarding builders call their delegate's {@code build()} on the same thread; only the
 * outermost call is handled, so a server is prepared and observed exactly once. JDK types only.
 * Thread-safe.
 */
public final class ServerHooks {

  /** What the agent does around {@code build()}. Implemented inside the agent (BridgeHandler). */
  public interface Handler {
    /** Before the outermost {@code build()}: may add interceptors to the builder. */
    void beforeBuild(Object builder);

    /** After the outermost {@code build()}: returns the server to hand to the application. */
    Object afterBuild(Object builder, Object server);
  }

  private static volatile Handler handler;
  private static final ThreadLocal<int[]> DEPTH =
      new ThreadLocal<int[]>() {
        @Override
        protected int[] initialValue() {
          return new int[1];
        }
      };

  private ServerHooks() {}

  public static void install(Handler newHandler) {
    handler = newHandler;
  }

  /** Called when {@code build()} starts: prepares the builder of the outermost call. */
  public static void enterBuild(Object builder) {
    boolean outermost = DEPTH.get()[0]++ == 0;
    Handler current = handler;
    if (outermost && current != null) {
      try {
        current.beforeBuild(builder);
      } catch (Throwable t) {
        AgentFailures.report("server builder " + builder.getClass().getName(), t);
      }
    }
  }

  /**
   * Called when {@code build()} returns, or with a null server when it throws: returns the server
   * the application gets (from the outermost call, the agent's wrapper if it is a {@code
   * returnType}).
   */
  public static Object exitBuild(Object builder, Object server, Class<?> returnType) {
    int[] depth = DEPTH.get();
    if (depth[0] > 0) {
      depth[0]--;
    }
    Handler current = handler;
    if (depth[0] != 0 || current == null || server == null) {
      return server;
    }
    try {
      Object result = current.afterBuild(builder, server);
      return returnType.isInstance(result) ? result : server;
    } catch (Throwable t) {
      AgentFailures.report("server of " + builder.getClass().getName(), t);
      return server;
    }
  }
}
