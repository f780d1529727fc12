package org.polarisagent.samples;

import com.google.protobuf.StringValue;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.util.List;

/**
 * The {@code echo.Echo} gRPC service shared by the sample apps, declared by hand instead of
 * generated from a {@code .proto} file. Every message is a protobuf {@link StringValue}, so the
 * apps carry protobuf like a real gRPC app does.
 *
 * <ul>
 *   <li>{@code echo.Echo/Echo} (unary) and {@code echo.Echo/Other} (unary): one reply {@code
 *       <instance name>:<request>}, so the caller sees which instance answered;
 *   <li>{@code echo.Echo/EchoStream} (server streaming): several replies {@code <instance
 *       name>:<request>#<i>}.
 * </ul>
 *
 * <p>Immutable constants; thread-safe.
 */
public final class EchoService {

  /** Full name of the service. */
  public static final String SERVICE_NAME = "echo.Echo";

  /** Unary echo. */
  public static final MethodDescriptor<StringValue, StringValue> ECHO =
      method("Echo", MethodType.UNARY);

  /** A second unary method, for rules that match on the method. */
  public static final MethodDescriptor<StringValue, StringValue> OTHER =
      method("Other", MethodType.UNARY);

  /** Server streaming echo. */
  public static final MethodDescriptor<StringValue, StringValue> ECHO_STREAM =
      method("EchoStream", MethodType.SERVER_STREAMING);

  /** The service with its three methods. */
  public static final ServiceDescriptor DESCRIPTOR =
      ServiceDescriptor.newBuilder(SERVICE_NAME)
          .addMethod(ECHO)
          .addMethod(OTHER)
          .addMethod(ECHO_STREAM)
          .build();

  private EchoService() {}

  /** Returns the service served by the given handlers of its three methods. */
  public static ServerServiceDefinition bind(
      ServerCalls.UnaryMethod<StringValue, StringValue> echo,
      ServerCalls.UnaryMethod<StringValue, StringValue> other,
      ServerCalls.ServerStreamingMethod<StringValue, StringValue> echoStream) {
    return ServerServiceDefinition.builder(DESCRIPTOR)
        .addMethod(ECHO, ServerCalls.asyncUnaryCall(echo))
        .addMethod(OTHER, ServerCalls.asyncUnaryCall(other))
        .addMethod(ECHO_STREAM, ServerCalls.asyncServerStreamingCall(echoStream))
        .build();
  }

  /**
   * Returns the method with the given short name ({@code Echo}, {@code Other} or {@code
   * EchoStream}).
   *
   * @throws IllegalArgumentException for any other name
   */
  public static MethodDescriptor<StringValue, StringValue> methodNamed(String shortName) {
    for (MethodDescriptor<StringValue, StringValue> method : List.of(ECHO, OTHER, ECHO_STREAM)) {
      if (method.getBareMethodName().equals(shortName)) {
        return method;
      }
    }
    throw new IllegalArgumentException(
        "unknown method '" + shortName + "', expected Echo, Other or EchoStream");
  }

  /**
   * Returns the instance name in a reply {@code <instance name>:<text>}, or the whole reply without
   * colon.
   */
  public static String answeringInstance(String reply) {
    int colon = reply.indexOf(':');
    return colon < 0 ? reply : reply.substring(0, colon);
  }

  private static MethodDescriptor<StringValue, StringValue> method(String name, MethodType type) {
    return MethodDescriptor.<StringValue, StringValue>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, name))
        .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
        .build();
  }
}
