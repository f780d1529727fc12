package org.polarisagent.plugin.grpc.adapter.connection;

import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.sdk.SdkTransport;
import org.polarisagent.plugin.grpc.SdkChannelBuilds;
import org.polarisagent.plugin.grpc.TargetMapping;
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

  /** How long the SDK's thread waits for a channel to be built; it takes milliseconds. */
  private static final long BUILD_WAIT_SECONDS = 10;

  /** What a build's outcome becomes once its caller gave up. */
  private static final Object ABANDONED = new Object();

  /**
   * Builds the channel, and starts its connection, on one of the agent's threads, whose stack holds
   * only the agent's and gRPC's classes: gRPC keeps the stack of the thread that builds a channel
   * (its allocation site, in case the channel is never shut down), threads it starts inherit what
   * their starter's thread carries, and the SDK's thread may be running a web app's adapters
   * (registration, for one). A channel built after the caller gave up is shut down.
   *
   * @throws IllegalStateException if it cannot be built in time, or this thread is interrupted
   * @throws RuntimeException what the application's gRPC throws building it
   */
  @Override
  public ManagedChannel channel(
      final String host,
      final int port,
      final long keepAliveNanos,
      final boolean keepAliveWithoutCalls) {
    // The built channel, or ABANDONED once the caller gave up: whichever comes second shuts it
    // down.
    final AtomicReference<Object> outcome = new AtomicReference<>();
    Future<io.grpc.ManagedChannel> built =
        DaemonScheduler.sharedPool()
            .submit(
                () -> {
                  io.grpc.ManagedChannel channel =
                      build(target(host, port), keepAliveNanos, keepAliveWithoutCalls);
                  if (!outcome.compareAndSet(null, channel)) {
                    ApplicationScope.run(channel::shutdownNow);
                  }
                  return channel;
                });
    try {
      return new BridgedChannel(built.get(BUILD_WAIT_SECONDS, TimeUnit.SECONDS));
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException
          ? (RuntimeException) e.getCause()
          : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      abandon(outcome);
      throw new IllegalStateException("no channel to " + host + ":" + port + " built in time", e);
    } catch (InterruptedException e) {
      abandon(outcome);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building a channel to Polaris", e);
    }
  }

  /** Gives a build up: its channel, built already or later, is shut down. */
  private static void abandon(AtomicReference<Object> outcome) {
    Object channel = outcome.getAndSet(ABANDONED);
    if (channel instanceof io.grpc.ManagedChannel) {
      ApplicationScope.run(((io.grpc.ManagedChannel) channel)::shutdownNow);
    }
  }

  /** The DNS target of a host (a name, an IPv4 or an IPv6 address, bracketed or not) and port. */
  static String target(String host, int port) {
    return "dns:///" + TargetMapping.hostPort(host, port);
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
                    .executor(DaemonScheduler.sharedPool());
            if (keepAliveNanos >= 0) {
              builder.keepAliveTime(keepAliveNanos, TimeUnit.NANOSECONDS);
            }
            io.grpc.ManagedChannel channel = builder.build();
            channel.getState(true);
            return channel;
          } finally {
            SdkChannelBuilds.end();
          }
        });
  }
}
