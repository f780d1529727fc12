package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.exact;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.rateLimit;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.serviceRule;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.polarisagent.plugin.grpc.adapter.server.TestProvidedServices;

/** The interceptor inside a real gRPC server (the oldest supported gRPC, in-process transport). */
class RateLimitGrpcTest {

  private final FakeRateLimitSdk sdk = new FakeRateLimitSdk();
  private final ScheduledThreadPoolExecutor timer =
      new ScheduledThreadPoolExecutor(1, task -> new Thread(task, "ratelimit-timer"));
  private final AtomicInteger appThreads = new AtomicInteger();
  private final ExecutorService appExecutor =
      Executors.newCachedThreadPool(
          task -> new Thread(task, "app-executor-" + appThreads.incrementAndGet()));
  private final AtomicReference<Deadline> handlerDeadline = new AtomicReference<>();
  private final List<String> startThreads = Collections.synchronizedList(new ArrayList<String>());

  /** Calls of this text make the application's own interceptor slow to start them. */
  private static final String SLOW = "slow";

  private static final Metadata.Key<String> TEXT_HEADER =
      Metadata.Key.of("x-text", Metadata.ASCII_STRING_MARSHALLER);
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    sdk.rules.put(
        "default/svc", serviceRule("r1", rateLimit(exact("echo-1", "/echo.Echo/Echo", 1))));
    RuleCache rules = new RuleCache(sdk, "default", Runnable::run);
    RateLimitInterceptor interceptor =
        new RateLimitInterceptor(
            TestProvidedServices.of("svc", "default", Collections.<Integer>emptySet()),
            rules,
            sdk,
            () -> timer,
            null);
    rules.watch("svc");
    ServerServiceDefinition echo =
        ServerServiceDefinition.builder("echo.Echo")
            .addMethod(TestCalls.ECHO, replying(1))
            .addMethod(TestCalls.ECHO_STREAM, replying(3))
            .build();
    String name = "rate-limit-" + System.nanoTime();
    ServerInterceptor slowToStart =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            startThreads.add(Thread.currentThread().getName());
            if (SLOW.equals(headers.get(TEXT_HEADER))) {
              try {
                Thread.sleep(2000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return next.startCall(call, headers);
          }
        };
    server =
        InProcessServerBuilder.forName(name)
            .executor(appExecutor)
            .addService(
                ServerInterceptors.intercept(
                    ServerInterceptors.intercept(echo, slowToStart), interceptor))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    timer.shutdownNow();
    appExecutor.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
    channel.awaitTermination(5, TimeUnit.SECONDS);
    timer.awaitTermination(5, TimeUnit.SECONDS);
  }

  private ServerCallHandler<String, String> replying(int replies) {
    return (call, headers) -> {
      handlerDeadline.set(Context.current().getDeadline());
      call.request(1);
      return new ServerCall.Listener<String>() {
        private String request;

        @Override
        public void onMessage(String message) {
          request = message;
        }

        @Override
        public void onHalfClose() {
          call.sendHeaders(new Metadata());
          for (int i = 0; i < replies; i++) {
            call.sendMessage(request + "#" + i);
          }
          call.close(Status.OK, new Metadata());
        }
      };
    };
  }

  @Test
  void overQuotaUnaryAndStreamingCallsGetResourceExhaustedAndOthersTheirReplies() throws Exception {
    sdk.answer =
        request ->
            request.getMethod().equals("/echo.Echo/Echo")
                ? FakeRateLimitSdk.limited("echo-1")
                : FakeRateLimitSdk.ok();
    Outcome unary = call(channel, TestCalls.ECHO, CallOptions.DEFAULT);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, unary.status.getCode());
    assertEquals(
        "rate limited by Polaris rule 'echo-1' on /echo.Echo/Echo", unary.status.getDescription());
    assertTrue(unary.replies.isEmpty());

    Outcome stream = call(channel, TestCalls.ECHO_STREAM, CallOptions.DEFAULT);
    assertEquals(Status.Code.OK, stream.status.getCode());
    assertEquals(3, stream.replies.size());

    sdk.answer = request -> FakeRateLimitSdk.limited("stream-1");
    Outcome limitedStream = call(channel, TestCalls.ECHO_STREAM, CallOptions.DEFAULT);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, limitedStream.status.getCode());
    assertTrue(limitedStream.replies.isEmpty());
  }

  @Test
  void aQueuedCallRunsAfterTheWaitInItsOwnContext() throws Exception {
    sdk.answer = request -> FakeRateLimitSdk.waiting(150);
    long begin = System.nanoTime();
    Outcome outcome =
        call(channel, TestCalls.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    assertEquals(Status.Code.OK, outcome.status.getCode(), String.valueOf(outcome.status));
    assertEquals(Collections.singletonList("hello#0"), outcome.replies);
    assertTrue(System.nanoTime() - begin >= TimeUnit.MILLISECONDS.toNanos(150));
    assertNotNull(
        handlerDeadline.get(), "the handler runs in the call's context, which has the deadline");
  }

  @Test
  void queuedCallsStartOnTheServersExecutorSoASlowStartHoldsUpNoOtherCall() throws Exception {
    sdk.answer = request -> FakeRateLimitSdk.waiting(100);
    CompletableFuture<Outcome> slow = CompletableFuture.supplyAsync(() -> callQuietly(SLOW));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (startThreads.isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "the slow call never started");
      Thread.sleep(5);
    }
    long begin = System.nanoTime();
    Outcome quick =
        call(
            channel,
            TestCalls.ECHO,
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
            "quick");
    long quickMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

    assertEquals(Status.Code.OK, quick.status.getCode(), String.valueOf(quick.status));
    assertTrue(
        quickMillis < 1500,
        "a queued call waited " + quickMillis + " ms for another call's slow start");
    assertEquals(Status.Code.OK, slow.get(10, TimeUnit.SECONDS).status.getCode());
    for (String thread : startThreads) {
      assertTrue(thread.startsWith("app-executor-"), "a queued call started on " + thread);
    }
  }

  private Outcome callQuietly(String text) {
    try {
      return call(
          channel,
          TestCalls.ECHO,
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
          text);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** What a client saw of one call. */
  private static final class Outcome {
    final Status status;
    final List<String> replies;

    Outcome(Status status, List<String> replies) {
      this.status = status;
      this.replies = replies;
    }
  }

  private static Outcome call(
      Channel channel, MethodDescriptor<String, String> method, CallOptions options)
      throws Exception {
    return call(channel, method, options, "hello");
  }

  private static Outcome call(
      Channel channel, MethodDescriptor<String, String> method, CallOptions options, String text)
      throws Exception {
    List<String> replies = Collections.synchronizedList(new ArrayList<String>());
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ClientCall<String, String> call = channel.newCall(method, options);
    Metadata headers = new Metadata();
    headers.put(TEXT_HEADER, text);
    call.start(
        new ClientCall.Listener<String>() {
          @Override
          public void onMessage(String message) {
            replies.add(message);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
          }
        },
        headers);
    call.request(10);
    call.sendMessage(text);
    call.halfClose();
    Status status = closed.get(10, TimeUnit.SECONDS);
    return new Outcome(status, new ArrayList<>(replies));
  }
}
