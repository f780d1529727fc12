package org.polarisagent.plugin.grpc.adapter.propagation;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.polarisagent.samples.EchoService;

/**
 * What header pass-through ({@code polaris.grpc.propagate-headers=x-env,x-lane}) adds to one call
 * through a middle service: the server call starts (with the headers a netty server hands over, the
 * caller's identity and {@code x-env}), its handler creates and starts one call on a Polaris
 * channel with fresh headers, and the server call half-closes. Transports are left out (fakes that
 * do nothing), so the figure is the agent's step alone. Cases: {@code off} (nothing wired, the
 * default), {@code on-no-header} (wired, the call carries none of the headers) and {@code
 * on-header} (wired, the call carries {@code x-env}). A benchmark, not a test: it asserts nothing.
 *
 * <p>{@code java -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt)
 * org.openjdk.jmh.Main HeaderPropagationBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderPropagationBenchmark {

  private static final MethodDescriptor<StringValue, StringValue> ECHO = EchoService.ECHO;

  @Benchmark
  public Metadata relayedCall(RelayState state) {
    ServerCall.Listener<StringValue> listener =
        state.entry.startCall(state.serverCall, state.incoming);
    listener.onHalfClose();
    return state.outgoing;
  }

  /** One middle service: its handler, as the agent wires it in the given case. */
  @State(Scope.Benchmark)
  public static class RelayState {
    @Param({"off", "on-no-header", "on-header"})
    public String propagation;

    ServerCallHandler<StringValue, StringValue> entry;
    final ServerCall<StringValue, StringValue> serverCall = new IdleServerCall();
    Metadata incoming;
    Metadata outgoing;

    @Setup(Level.Trial)
    public void setUp() {
      incoming = new Metadata();
      put(incoming, "content-type", "application/grpc");
      put(incoming, "user-agent", "grpc-java-netty/1.85.1");
      put(incoming, "te", "trailers");
      put(incoming, "grpc-accept-encoding", "gzip");
      put(incoming, "x-polaris-caller-service", "gateway");
      put(incoming, "x-polaris-caller-namespace", "default");
      if (!propagation.equals("on-no-header")) {
        put(incoming, "x-env", "gray");
      }
      boolean wired = !propagation.equals("off");
      Context.Key<PropagatedHeaders> key = Context.key("bench-propagated-headers");
      Channel next =
          wired
              ? ClientInterceptors.intercept(new IdleChannel(), new HeaderForwarding(key))
              : new IdleChannel();
      ServerCallHandler<StringValue, StringValue> handler =
          (call, headers) ->
              new ServerCall.Listener<StringValue>() {
                @Override
                public void onHalfClose() {
                  ClientCall<StringValue, StringValue> out =
                      next.newCall(ECHO, CallOptions.DEFAULT);
                  Metadata headers = new Metadata();
                  out.start(new ClientCall.Listener<StringValue>() {}, headers);
                  outgoing = headers;
                }
              };
      if (wired) {
        HeaderCapture capture =
            new HeaderCapture(
                List.of(
                    Metadata.Key.of("x-env", Metadata.ASCII_STRING_MARSHALLER),
                    Metadata.Key.of("x-lane", Metadata.ASCII_STRING_MARSHALLER)),
                key);
        entry = (call, headers) -> capture.interceptCall(call, headers, handler);
      } else {
        entry = handler;
      }
    }

    private static void put(Metadata headers, String name, String value) {
      headers.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
    }
  }

  /** A channel whose calls do nothing. */
  private static final class IdleChannel extends Channel {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options) {
      return new ClientCall<ReqT, RespT>() {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {}

        @Override
        public void request(int numMessages) {}

        @Override
        public void cancel(String message, Throwable cause) {}

        @Override
        public void halfClose() {}

        @Override
        public void sendMessage(ReqT message) {}
      };
    }

    @Override
    public String authority() {
      return "bench";
    }
  }

  /** A server call without a transport. */
  private static final class IdleServerCall extends ServerCall<StringValue, StringValue> {
    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(StringValue message) {}

    @Override
    public void close(Status status, Metadata trailers) {}

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public MethodDescriptor<StringValue, StringValue> getMethodDescriptor() {
      return ECHO;
    }
  }
}
