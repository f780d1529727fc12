package org.polarisagent.plugin.grpc.adapter.connection;

import io.grpc.MethodDescriptor.Marshaller;
import java.io.InputStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import shade.polaris.io.grpc.CallOptions;
import shade.polaris.io.grpc.ClientCall;
import shade.polaris.io.grpc.ConnectivityState;
import shade.polaris.io.grpc.ManagedChannel;
import shade.polaris.io.grpc.MethodDescriptor;

/**
 * An application gRPC channel that the SDK uses as one of its own (its shaded gRPC's {@code
 * ManagedChannel}): each call becomes a call of the application's channel with the same method name
 * and type, whose marshallers are the SDK's (so messages are the SDK's protobuf objects, serialized
 * once), and with the call options the SDK sets (deadline, executor, authority, compression,
 * wait-for-ready, message size limits). Thread-safe.
 */
final class BridgedChannel extends ManagedChannel {

  /** Methods remembered at most; the SDK has a few dozen. */
  private static final int MAX_METHODS = 256;

  private final io.grpc.ManagedChannel channel;
  private final ConcurrentMap<MethodDescriptor<?, ?>, io.grpc.MethodDescriptor<?, ?>> methods =
      new ConcurrentHashMap<>();

  BridgedChannel(io.grpc.ManagedChannel channel) {
    this.channel = channel;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    final io.grpc.MethodDescriptor<ReqT, RespT> converted = method(method);
    final io.grpc.CallOptions convertedOptions = options(options);
    return new BridgedCall<>(
        ApplicationScope.call(() -> channel.newCall(converted, convertedOptions)));
  }

  @SuppressWarnings("unchecked")
  private <ReqT, RespT> io.grpc.MethodDescriptor<ReqT, RespT> method(
      MethodDescriptor<ReqT, RespT> method) {
    io.grpc.MethodDescriptor<?, ?> known = methods.get(method);
    if (known == null) {
      known = applicationMethod(method);
      if (methods.size() < MAX_METHODS) {
        methods.putIfAbsent(method, known);
      }
    }
    return (io.grpc.MethodDescriptor<ReqT, RespT>) known;
  }

  static <ReqT, RespT> io.grpc.MethodDescriptor<ReqT, RespT> applicationMethod(
      final MethodDescriptor<ReqT, RespT> method) {
    return io.grpc.MethodDescriptor.<ReqT, RespT>newBuilder()
        .setType(io.grpc.MethodDescriptor.MethodType.valueOf(method.getType().name()))
        .setFullMethodName(method.getFullMethodName())
        .setIdempotent(method.isIdempotent())
        .setSafe(method.isSafe())
        .setRequestMarshaller(
            new Marshaller<ReqT>() {
              @Override
              public InputStream stream(ReqT value) {
                return method.streamRequest(value);
              }

              @Override
              public ReqT parse(InputStream stream) {
                return method.parseRequest(stream);
              }
            })
        .setResponseMarshaller(
            new Marshaller<RespT>() {
              @Override
              public InputStream stream(RespT value) {
                return method.streamResponse(value);
              }

              @Override
              public RespT parse(InputStream stream) {
                return method.parseResponse(stream);
              }
            })
        .build();
  }

  /**
   * The application's call options for the SDK's.
   *
   * @throws UnsupportedOperationException for call credentials, which the SDK does not set
   */
  static io.grpc.CallOptions options(CallOptions options) {
    if (options.getCredentials() != null) {
      throw new UnsupportedOperationException(
          "call credentials on the Polaris connection over the application's gRPC");
    }
    io.grpc.CallOptions converted = io.grpc.CallOptions.DEFAULT;
    if (options.getDeadline() != null) {
      converted =
          converted.withDeadlineAfter(
              options.getDeadline().timeRemaining(TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS);
    }
    if (options.getExecutor() != null) {
      converted = converted.withExecutor(options.getExecutor());
    }
    if (options.getAuthority() != null) {
      converted = converted.withAuthority(options.getAuthority());
    }
    if (options.getCompressor() != null) {
      converted = converted.withCompression(options.getCompressor());
    }
    if (options.isWaitForReady()) {
      converted = converted.withWaitForReady();
    }
    if (options.getMaxInboundMessageSize() != null) {
      converted = converted.withMaxInboundMessageSize(options.getMaxInboundMessageSize());
    }
    if (options.getMaxOutboundMessageSize() != null) {
      converted = converted.withMaxOutboundMessageSize(options.getMaxOutboundMessageSize());
    }
    return converted;
  }

  @Override
  public String authority() {
    return channel.authority();
  }

  @Override
  public ManagedChannel shutdown() {
    ApplicationScope.run(channel::shutdown);
    return this;
  }

  @Override
  public boolean isShutdown() {
    return channel.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return channel.isTerminated();
  }

  @Override
  public ManagedChannel shutdownNow() {
    ApplicationScope.run(channel::shutdownNow);
    return this;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return channel.awaitTermination(timeout, unit);
  }

  @Override
  public ConnectivityState getState(final boolean requestConnection) {
    return ConnectivityState.valueOf(
        ApplicationScope.call(() -> channel.getState(requestConnection)).name());
  }

  @Override
  public void notifyWhenStateChanged(ConnectivityState source, final Runnable callback) {
    final io.grpc.ConnectivityState from = io.grpc.ConnectivityState.valueOf(source.name());
    ApplicationScope.run(() -> channel.notifyWhenStateChanged(from, callback));
  }

  @Override
  public void resetConnectBackoff() {
    ApplicationScope.run(channel::resetConnectBackoff);
  }

  @Override
  public void enterIdle() {
    ApplicationScope.run(channel::enterIdle);
  }

  @Override
  public String toString() {
    return "Polaris SDK channel over " + channel;
  }
}
