package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.polarisagent.plugin.grpc.adapter.TextMethods;

/** Server calls without a transport, and a handler that records what the application would see. */
final class TestCalls {

  static final MethodDescriptor<String, String> ECHO =
      method("echo.Echo/Echo", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> ECHO_STREAM =
      method("echo.Echo/EchoStream", MethodDescriptor.MethodType.SERVER_STREAMING);
  static final MethodDescriptor<String, String> HEALTH =
      method("grpc.health.v1.Health/Check", MethodDescriptor.MethodType.UNARY);

  private TestCalls() {}

  static MethodDescriptor<String, String> method(
      String fullName, MethodDescriptor.MethodType type) {
    return TextMethods.method(fullName, type);
  }

  /** A server call that records the messages asked for and how it is closed. */
  static final class FakeCall extends ServerCall<String, String> {
    final MethodDescriptor<String, String> method;
    final Attributes attributes;
    final List<Integer> requests = Collections.synchronizedList(new ArrayList<Integer>());
    volatile Status closed;
    volatile boolean cancelled;

    FakeCall(MethodDescriptor<String, String> method) {
      this(method, Attributes.EMPTY);
    }

    FakeCall(MethodDescriptor<String, String> method, Attributes attributes) {
      this.method = method;
      this.attributes = attributes;
    }

    @Override
    public void request(int numMessages) {
      requests.add(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(String message) {}

    @Override
    public void close(Status status, Metadata trailers) {
      closed = status;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public Attributes getAttributes() {
      return attributes;
    }

    @Override
    public MethodDescriptor<String, String> getMethodDescriptor() {
      return method;
    }
  }

  /**
   * The application's handler: records each start and every event its listeners get, in order; asks
   * for {@link #requestAtStart} messages when it starts, as gRPC's stub handlers do.
   */
  static final class RecordingHandler implements ServerCallHandler<String, String> {
    final List<String> events = Collections.synchronizedList(new ArrayList<String>());
    volatile Thread startThread;
    volatile int requestAtStart;

    @Override
    public ServerCall.Listener<String> startCall(
        ServerCall<String, String> call, Metadata headers) {
      startThread = Thread.currentThread();
      events.add("start");
      if (requestAtStart > 0) {
        call.request(requestAtStart);
      }
      return new ServerCall.Listener<String>() {
        @Override
        public void onMessage(String message) {
          events.add("message:" + message);
        }

        @Override
        public void onHalfClose() {
          events.add("halfClose");
        }

        @Override
        public void onCancel() {
          events.add("cancel");
        }

        @Override
        public void onComplete() {
          events.add("complete");
        }

        @Override
        public void onReady() {
          events.add("ready");
        }
      };
    }

    List<String> events() {
      synchronized (events) {
        return new ArrayList<>(events);
      }
    }
  }
}
