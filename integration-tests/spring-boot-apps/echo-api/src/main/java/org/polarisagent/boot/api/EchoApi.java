package org.polarisagent.boot.api;

import com.google.protobuf.StringValue;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * The {@code echo.Echo/Echo} method, declared by hand: protobuf {@link StringValue} in and out, the
 * same wire contract as the plain sample apps.
 */
public final class EchoApi {

  /** The gRPC service name. */
  public static final String SERVICE = "echo.Echo";

  /** {@code echo.Echo/Echo}, unary. */
  public static final MethodDescriptor<StringValue, StringValue> ECHO =
      MethodDescriptor.<StringValue, StringValue>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Echo"))
          .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
          .build();

  private EchoApi() {}
}
