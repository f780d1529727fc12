package org.polarisagent.samples;

import com.google.protobuf.StringValue;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicLong;

/** One business server's implementation of the echo service with its call counters. Thread-safe. */
final class EchoInstance {

  final String name;
  final EchoBehaviour behaviour;
  final AtomicLong ok = new AtomicLong();
  final AtomicLong failed = new AtomicLong();

  EchoInstance(String name, EchoBehaviour behaviour) {
    this.name = name;
    this.behaviour = behaviour;
  }

  ServerServiceDefinition definition() {
    return EchoService.bind(
        (request, responses) -> unary("Echo", request, responses),
        (request, responses) -> unary("Other", request, responses),
        this::stream);
  }

  private void unary(String method, StringValue request, StreamObserver<StringValue> responses) {
    if (failedOrDelayed(method, responses)) {
      return;
    }
    if (method.equals("Echo") && request.getValue().equals(behaviour.shutdownWord)) {
      behaviour.shutdown.run();
    }
    responses.onNext(reply(request.getValue()));
    responses.onCompleted();
    ok.incrementAndGet();
  }

  private void stream(StringValue request, StreamObserver<StringValue> responses) {
    if (failedOrDelayed("EchoStream", responses)) {
      return;
    }
    for (int i = 1; i <= behaviour.streamReplies; i++) {
      responses.onNext(reply(request.getValue() + "#" + i));
    }
    responses.onCompleted();
    ok.incrementAndGet();
  }

  private boolean failedOrDelayed(String method, StreamObserver<StringValue> responses) {
    try {
      behaviour.pause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failed.incrementAndGet();
      responses.onError(Status.CANCELLED.withDescription("interrupted").asRuntimeException());
      return true;
    }
    Status failure = behaviour.injectedFailure(method);
    if (failure == null) {
      return false;
    }
    failed.incrementAndGet();
    responses.onError(failure.asRuntimeException());
    return true;
  }

  private StringValue reply(String text) {
    return StringValue.of(name + ":" + text);
  }
}
