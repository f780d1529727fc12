package org.polarisagent.plugin.grpc.adapter.connection;

import shade.polaris.io.grpc.ClientCall;
import shade.polaris.io.grpc.Metadata;
import shade.polaris.io.grpc.Status;

/**
 * One call of the SDK on an application gRPC call: what the SDK does on the call goes to the
 * application's, what the application's reports (headers, messages, status, trailers, readiness)
 * goes to the SDK's listener, headers and status translated key by key and code by code. Used as
 * gRPC's calls are.
 */
final class BridgedCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {

  private final io.grpc.ClientCall<ReqT, RespT> call;

  BridgedCall(io.grpc.ClientCall<ReqT, RespT> call) {
    this.call = call;
  }

  @Override
  public void start(final Listener<RespT> listener, Metadata headers) {
    final io.grpc.Metadata converted = applicationMetadata(headers);
    final io.grpc.ClientCall.Listener<RespT> bridged =
        new io.grpc.ClientCall.Listener<RespT>() {
          @Override
          public void onHeaders(io.grpc.Metadata received) {
            listener.onHeaders(sdkMetadata(received));
          }

          @Override
          public void onMessage(RespT message) {
            listener.onMessage(message);
          }

          @Override
          public void onClose(io.grpc.Status status, io.grpc.Metadata trailers) {
            listener.onClose(sdkStatus(status), sdkMetadata(trailers));
          }

          @Override
          public void onReady() {
            listener.onReady();
          }
        };
    ApplicationScope.run(() -> call.start(bridged, converted));
  }

  @Override
  public void request(final int numMessages) {
    ApplicationScope.run(() -> call.request(numMessages));
  }

  @Override
  public void cancel(final String message, final Throwable cause) {
    ApplicationScope.run(() -> call.cancel(message, cause));
  }

  @Override
  public void halfClose() {
    ApplicationScope.run(call::halfClose);
  }

  @Override
  public void sendMessage(final ReqT message) {
    ApplicationScope.run(() -> call.sendMessage(message));
  }

  @Override
  public boolean isReady() {
    return call.isReady();
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    call.setMessageCompression(enabled);
  }

  static Status sdkStatus(io.grpc.Status status) {
    return Status.fromCodeValue(status.getCode().value())
        .withDescription(status.getDescription())
        .withCause(status.getCause());
  }

  /** The SDK's headers for the application's gRPC; a name it refuses is left out. */
  static io.grpc.Metadata applicationMetadata(Metadata from) {
    io.grpc.Metadata to = new io.grpc.Metadata();
    for (String name : from.keys()) {
      try {
        if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          io.grpc.Metadata.Key<byte[]> key =
              io.grpc.Metadata.Key.of(name, io.grpc.Metadata.BINARY_BYTE_MARSHALLER);
          for (byte[] value : from.getAll(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER))) {
            to.put(key, value);
          }
        } else {
          io.grpc.Metadata.Key<String> key =
              io.grpc.Metadata.Key.of(name, io.grpc.Metadata.ASCII_STRING_MARSHALLER);
          for (String value :
              from.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER))) {
            to.put(key, value);
          }
        }
      } catch (IllegalArgumentException refused) {
        // left out
      }
    }
    return to;
  }

  /**
   * The application's headers or trailers for the SDK; a name gRPC's keys refuse (HTTP/2 allows
   * more characters) is left out, so that the SDK always hears of the call's end.
   */
  static Metadata sdkMetadata(io.grpc.Metadata from) {
    Metadata to = new Metadata();
    for (String name : from.keys()) {
      try {
        if (name.endsWith(io.grpc.Metadata.BINARY_HEADER_SUFFIX)) {
          Metadata.Key<byte[]> key = Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER);
          for (byte[] value :
              from.getAll(io.grpc.Metadata.Key.of(name, io.grpc.Metadata.BINARY_BYTE_MARSHALLER))) {
            to.put(key, value);
          }
        } else {
          Metadata.Key<String> key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
          for (String value :
              from.getAll(
                  io.grpc.Metadata.Key.of(name, io.grpc.Metadata.ASCII_STRING_MARSHALLER))) {
            to.put(key, value);
          }
        }
      } catch (IllegalArgumentException refused) {
        // left out
      }
    }
    return to;
  }
}
