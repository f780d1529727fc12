package org.polarisagent.plugin.grpc.adapter.connection;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.polarisagent.plugin.grpc.adapter.TextMethods;
import shade.polaris.io.grpc.CallOptions;
import shade.polaris.io.grpc.ConnectivityState;
import shade.polaris.io.grpc.ManagedChannel;
import shade.polaris.io.grpc.MethodDescriptor;
import shade.polaris.io.grpc.StatusRuntimeException;
import shade.polaris.io.grpc.stub.ClientCalls;
import shade.polaris.io.grpc.stub.StreamObserver;

/**
 * The SDK's calls on an application channel: the SDK's own stubs (its shaded gRPC) against a server
 * of the application's gRPC, in process.
 */
class BridgedChannelTest {

  private static final Metadata.Key<String> ASCII =
      Metadata.Key.of("x-polaris-token", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<byte[]> BINARY =
      Metadata.Key.of("x-trace-bin", Metadata.BINARY_BYTE_MARSHALLER);

  private final AtomicReference<Metadata> receivedHeaders = new AtomicReference<>();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(
                ServerServiceDefinition.builder("test.Echo")
                    .addMethod(
                        TextMethods.method(
                            "test.Echo/Unary", io.grpc.MethodDescriptor.MethodType.UNARY),
                        new UnaryHandler())
                    .addMethod(
                        TextMethods.method(
                            "test.Echo/Bidi", io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING),
                        new BidiHandler())
                    .build())
            .build()
            .start();
    channel =
        new BridgedChannel(
            InProcessChannelBuilder.forName(name).intercept(new StartRecorder()).build());
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aBlockingCallOfTheSdkGetsTheAnswerOnItsOwnThread() {
    assertEquals("echo ping", assertTimeoutPreemptively(Duration.ofSeconds(10), this::ping));
  }

  @Test
  void headersGoToTheServerAndItsStatusAndTrailersComeBack() {
    shade.polaris.io.grpc.Metadata headers = new shade.polaris.io.grpc.Metadata();
    headers.put(
        shade.polaris.io.grpc.Metadata.Key.of(
            "x-polaris-token", shade.polaris.io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        "secret");
    headers.put(
        shade.polaris.io.grpc.Metadata.Key.of(
            "x-trace-bin", shade.polaris.io.grpc.Metadata.BINARY_BYTE_MARSHALLER),
        new byte[] {0, 1, (byte) 255});

    StatusRuntimeException failure =
        blockingFailure(
            () ->
                ClientCalls.blockingUnaryCall(
                    shade.polaris.io.grpc.ClientInterceptors.intercept(
                        channel,
                        shade.polaris.io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(
                            headers)),
                    sdkMethod("test.Echo/Unary", MethodDescriptor.MethodType.UNARY),
                    CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                    "fail"));

    assertEquals("secret", receivedHeaders.get().get(ASCII));
    assertArrayEquals(new byte[] {0, 1, (byte) 255}, receivedHeaders.get().get(BINARY));
    assertEquals(shade.polaris.io.grpc.Status.Code.NOT_FOUND, failure.getStatus().getCode());
    assertEquals("no such instance", failure.getStatus().getDescription());
    assertEquals(
        "42",
        failure
            .getTrailers()
            .get(
                shade.polaris.io.grpc.Metadata.Key.of(
                    "x-code", shade.polaris.io.grpc.Metadata.ASCII_STRING_MARSHALLER)));
  }

  @Test
  void aHeaderNameGrpcKeysRefuseIsLeftOutAndTheRestArrives() {
    Metadata fromTheWire =
        io.grpc.InternalMetadata.newMetadata(
            "x-odd!name".getBytes(US_ASCII),
            "1".getBytes(US_ASCII),
            "x-code".getBytes(US_ASCII),
            "42".getBytes(US_ASCII));

    shade.polaris.io.grpc.Metadata converted = BridgedCall.sdkMetadata(fromTheWire);

    assertEquals(Collections.singleton("x-code"), converted.keys());
  }

  @Test
  void theSdksCallsRunAsAnApplicationThreadOfTheirOwnWould() {
    ClassLoader agentLike = new URLClassLoader(new URL[0], null);
    Context.CancellableContext ended = Context.current().withCancellation();
    ended.cancel(null);

    String answer =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> {
              Thread thread = Thread.currentThread();
              ClassLoader before = thread.getContextClassLoader();
              thread.setContextClassLoader(agentLike);
              try {
                String reply = ended.call(this::ping);
                assertSame(agentLike, thread.getContextClassLoader(), "restored");
                return reply;
              } finally {
                thread.setContextClassLoader(before);
              }
            });

    assertEquals("echo ping", answer, "an ended application call does not cancel the SDK's");
    assertSame(ClassLoader.getSystemClassLoader(), startedWith.get(), "the context loader");
  }

  @Test
  void theSdksDeadlineHolds() {
    StatusRuntimeException failure =
        blockingFailure(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    sdkMethod("test.Echo/Unary", MethodDescriptor.MethodType.UNARY),
                    CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS),
                    "never"));

    assertEquals(
        shade.polaris.io.grpc.Status.Code.DEADLINE_EXCEEDED, failure.getStatus().getCode());
  }

  @Test
  void aStreamOfTheSdkCarriesMessagesBothWays() throws Exception {
    List<String> answers = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<String> requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(
                sdkMethod("test.Echo/Bidi", MethodDescriptor.MethodType.BIDI_STREAMING),
                CallOptions.DEFAULT),
            new StreamObserver<String>() {
              @Override
              public void onNext(String value) {
                synchronized (answers) {
                  answers.add(value);
                }
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });
    requests.onNext("a");
    requests.onNext("b");
    requests.onCompleted();

    done.get(10, TimeUnit.SECONDS);
    synchronized (answers) {
      assertEquals(Arrays.asList("echo a", "echo b"), answers);
    }
  }

  @Test
  void theChannelsStateAndShutdownAreTheApplicationChannels() throws InterruptedException {
    assertEquals(ConnectivityState.IDLE, channel.getState(false));

    channel.shutdown();

    assertEquals(true, channel.isShutdown());
    assertEquals(true, channel.awaitTermination(5, TimeUnit.SECONDS));
    assertEquals(ConnectivityState.SHUTDOWN, channel.getState(false));
  }

  /**
   * The failure of a blocking call of the SDK, within ten seconds: a call whose callbacks do not
   * reach the SDK's waiting thread would otherwise hang.
   */
  private static StatusRuntimeException blockingFailure(Runnable call) {
    return assertTimeoutPreemptively(
        Duration.ofSeconds(10), () -> assertThrows(StatusRuntimeException.class, call::run));
  }

  /** A blocking unary call of the SDK's stubs on the bridged channel. */
  private String ping() {
    return ClientCalls.blockingUnaryCall(
        channel,
        sdkMethod("test.Echo/Unary", MethodDescriptor.MethodType.UNARY),
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
        "ping");
  }

  private static MethodDescriptor<String, String> sdkMethod(
      String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setFullMethodName(name)
        .setType(type)
        .setRequestMarshaller(SdkText.INSTANCE)
        .setResponseMarshaller(SdkText.INSTANCE)
        .build();
  }

  /** UTF-8 text in the SDK's marshaller type. */
  private enum SdkText implements MethodDescriptor.Marshaller<String> {
    INSTANCE;

    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[256];
        for (int n = stream.read(buffer); n >= 0; n = stream.read(buffer)) {
          bytes.write(buffer, 0, n);
        }
        return new String(bytes.toByteArray(), UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private final AtomicReference<ClassLoader> startedWith = new AtomicReference<>();

  /** Records the context loader that a call of the application's channel starts with. */
  private final class StartRecorder implements ClientInterceptor {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        io.grpc.MethodDescriptor<ReqT, RespT> method, io.grpc.CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT>(
          next.newCall(method, options)) {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          startedWith.set(Thread.currentThread().getContextClassLoader());
          super.start(listener, headers);
        }
      };
    }
  }

  /** Answers "echo " + the request; fails "fail" with NOT_FOUND; never answers "never". */
  private final class UnaryHandler implements ServerCallHandler<String, String> {
    @Override
    public ServerCall.Listener<String> startCall(
        final ServerCall<String, String> call, Metadata headers) {
      receivedHeaders.set(headers);
      call.request(1);
      return new ServerCall.Listener<String>() {
        @Override
        public void onMessage(String message) {
          if ("never".equals(message)) {
            return;
          }
          if ("fail".equals(message)) {
            Metadata trailers = new Metadata();
            trailers.put(Metadata.Key.of("x-code", Metadata.ASCII_STRING_MARSHALLER), "42");
            call.close(Status.NOT_FOUND.withDescription("no such instance"), trailers);
            return;
          }
          call.sendHeaders(new Metadata());
          call.sendMessage("echo " + message);
          call.close(Status.OK, new Metadata());
        }
      };
    }
  }

  /** Answers each message with "echo " + it, and completes when the client does. */
  private static final class BidiHandler implements ServerCallHandler<String, String> {
    @Override
    public ServerCall.Listener<String> startCall(
        final ServerCall<String, String> call, Metadata headers) {
      call.sendHeaders(new Metadata());
      call.request(1);
      return new ServerCall.Listener<String>() {
        @Override
        public void onMessage(String message) {
          call.sendMessage("echo " + message);
          call.request(1);
        }

        @Override
        public void onHalfClose() {
          call.close(Status.OK, new Metadata());
        }
      };
    }
  }
}
