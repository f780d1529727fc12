package org.polarisagent.it.provider;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.TimeUnit;
import org.polarisagent.samples.EchoService;

/**
 * One plain gRPC call from the test JVM (no agent, no Polaris) straight to a provider's port: shows
 * whether the provider still serves, whatever Polaris says about it. Stateless.
 */
final class DirectCall {

  private DirectCall() {}

  /**
   * Calls {@code echo.Echo/Echo} on {@code 127.0.0.1:port}; returns the reply or throws the call's
   * failure. A closed port fails at once (UNAVAILABLE); the deadline only bounds a slow, cold first
   * call.
   */
  static String echo(int port, String text) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      return ClientCalls.blockingUnaryCall(
              channel,
              EchoService.ECHO,
              CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
              StringValue.of(text))
          .getValue();
    } finally {
      channel.shutdownNow();
    }
  }
}
