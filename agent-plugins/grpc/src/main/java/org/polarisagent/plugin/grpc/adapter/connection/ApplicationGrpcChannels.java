package org.polarisagent.plugin.grpc.adapter.connection;

import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.sdk.EarlyClasses;
import org.polarisagent.core.sdk.SdkTransport;
import org.polarisagent.plugin.grpc.SdkChannelBuilds;
import shade.polaris.io.grpc.ManagedChannel;

/**
 * Makes the SDK's channels to the Polaris server on this application's gRPC: a plaintext channel of
 * the application's transport to {@code dns:///host:port} (so that no resolver the application or
 * the agent registered for another scheme, such as {@code polaris}, takes a server named like it),
 * left alone by the agent's own channel hooks, its callbacks on the agent's shared pool, seen by
 * the SDK through a {@link BridgedChannel}. Only offered for a gRPC that the system class loader
 * holds, which is never undeployed. Stateless.
 */
public final class ApplicationGrpcChannels implements SdkTransport.ApplicationGrpc {

  /**
   * The application's gRPC and netty classes that keep the stack of the thread that initializes
   * them: the SDK makes its calls on threads whose stack may hold a web app's adapters
   * (registration, for one), which such a class would then keep.
   */
  private static final EarlyClasses EARLY =
      new EarlyClasses(
          ManagedChannelBuilder.class.getClassLoader(),
          "io.grpc.internal.ManagedChannelOrphanWrapper$ManagedChannelReference",
          "io.grpc.netty.shaded.io.netty.util.concurrent.GlobalEventExecutor",
          "io.netty.util.concurrent.GlobalEventExecutor");

  /** How long the SDK's thread waits for a channel to be built; it takes milliseconds. */
  private static final long BUILD_WAIT_SECONDS = 10;

  /**
   * Builds the channel on one of the agent's threads, whose stack holds only the agent's and gRPC's
   * classes: gRPC keeps the stack of the thread that builds a channel (its allocation site, in case
   * the channel is never shut down), and the SDK's thread may be running a web app's adapters.
   *
   * @throws IllegalStateException if it cannot be built in time, or this thread is interrupted
   */
  @Override
  public ManagedChannel channel(
      final String host,
      final int port,
      final long keepAliveNanos,
      final boolean keepAliveWithoutCalls) {
    EARLY.initialize();
    Future<io.grpc.ManagedChannel> built =
        DaemonScheduler.sharedPool()
            .submit(() -> build(target(host, port), keepAliveNanos, keepAliveWithoutCalls));
    try {
      return new BridgedChannel(built.get(BUILD_WAIT_SECONDS, TimeUnit.SECONDS));
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot build a channel to " + host + ":" + port, e.getCause());
    } catch (TimeoutException e) {
      built.cancel(false);
      throw new IllegalStateException("no channel to " + host + ":" + port + " built in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building a channel to Polaris", e);
    }
  }

  private static io.grpc.ManagedChannel build(
      final String target, final long keepAliveNanos, final boolean keepAliveWithoutCalls) {
    return ApplicationScope.call(
        () -> {
          SdkChannelBuilds.begin();
          try {
            ManagedChannelBuilder<?> builder =
                ManagedChannelBuilder.forTarget(target)
                    .usePlaintext()
                    .keepAliveWithoutCalls(keepAliveWithoutCalls)
                    .executor(DaemonScheduler.sharedView());
            if (keepAliveNanos >= 0) {
              builder.keepAliveTime(keepAliveNanos, TimeUnit.NANOSECONDS);
            }
            return builder.build();
          } finally {
            SdkChannelBuilds.end();
          }
        });
  }

  /** The DNS target of a host (a name, an IPv4 or an IPv6 address, bracketed or not) and port. */
  static String target(String host, int port) {
    boolean ipv6 = host.indexOf(':') >= 0 && !host.startsWith("[");
    return "dns:///" + (ipv6 ? "[" + host + "]" : host) + ":" + port;
  }
}
