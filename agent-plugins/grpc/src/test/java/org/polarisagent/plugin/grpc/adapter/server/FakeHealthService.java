package org.polarisagent.plugin.grpc.adapter.server;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.List;

/**
 * A {@code grpc.health.v1.Health} service with a Check method whose answer the test sets: a status
 * number (written as protobuf field 1, as HealthCheckResponse is), an error, or no answer at all.
 * Its messages are raw bytes, as a generated service's are once marshalled.
 */
final class FakeHealthService {

  static final int SERVING = 1;
  static final int NOT_SERVING = 2;

  volatile int status = SERVING;
  volatile Status failure;
  volatile boolean silent;
  volatile boolean throwing;

  /** While set and closed, checks wait on it in the handler, as a handler stuck on I/O would. */
  volatile java.util.concurrent.CountDownLatch blocking;

  /** The context class loader the last check ran with. */
  volatile ClassLoader contextLoader;

  /** The request bytes each check received, for the test to look at. */
  final List<byte[]> requests = Collections.synchronizedList(new java.util.ArrayList<>());

  List<ServerServiceDefinition> services() {
    MethodDescriptor<byte[], byte[]> check =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(HealthProbe.SERVICE + "/Check")
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    ServerServiceDefinition health =
        ServerServiceDefinition.builder(HealthProbe.SERVICE)
            .addMethod(
                check,
                (call, headers) -> {
                  call.request(1);
                  return new ServerCall.Listener<byte[]>() {
                    @Override
                    public void onMessage(byte[] message) {
                      requests.add(message);
                    }

                    @Override
                    public void onHalfClose() {
                      answer(call);
                    }
                  };
                })
            .build();
    return Collections.singletonList(health);
  }

  private void answer(ServerCall<byte[], byte[]> call) {
    contextLoader = Thread.currentThread().getContextClassLoader();
    java.util.concurrent.CountDownLatch block = blocking;
    if (block != null) {
      try {
        block.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (throwing) {
      throw new IllegalStateException("the app's health check failed");
    }
    if (silent) {
      return;
    }
    if (failure != null) {
      call.close(failure, new Metadata());
      return;
    }
    call.sendHeaders(new Metadata());
    // An unknown field first (as a newer proto might add), then the status, field 1.
    call.sendMessage(
        status == 0 ? new byte[0] : new byte[] {0x12, 0x01, 0x41, 0x08, (byte) status});
    call.close(Status.OK, new Metadata());
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<byte[]>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          byte[] buffer = new byte[256];
          try {
            for (int n; (n = stream.read(buffer)) > 0; ) {
              out.write(buffer, 0, n);
            }
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
          return out.toByteArray();
        }
      };
}
