package org.polarisagent.boot.provider;

import com.google.protobuf.StringValue;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicLong;
import net.devh.boot.grpc.server.service.GrpcService;
import org.polarisagent.boot.api.EchoApi;
import org.springframework.beans.factory.annotation.Value;

/**
 * {@link EchoApi#ECHO}: the reply is {@code <echo.name>:<request>}, so a caller sees which instance
 * answered.
 */
@GrpcService
public class EchoGrpcService implements BindableService {

  private final String name;
  private final AtomicLong served = new AtomicLong();

  public EchoGrpcService(@Value("${echo.name:boot}") String name) {
    this.name = name;
  }

  @Override
  public ServerServiceDefinition bindService() {
    return ServerServiceDefinition.builder(EchoApi.SERVICE)
        .addMethod(EchoApi.ECHO, ServerCalls.asyncUnaryCall(this::echo))
        .build();
  }

  /** How many calls this service has answered. */
  public long served() {
    return served.get();
  }

  private void echo(StringValue request, StreamObserver<StringValue> reply) {
    reply.onNext(StringValue.of(name + ":" + request.getValue()));
    reply.onCompleted();
    served.incrementAndGet();
  }
}
