package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.argument;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.exact;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.rateLimit;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.serviceRule;

import com.tencent.polaris.api.plugin.ratelimiter.QuotaResult;
import com.tencent.polaris.ratelimit.api.rpc.Argument;
import com.tencent.polaris.ratelimit.api.rpc.QuotaRequest;
import com.tencent.polaris.ratelimit.api.rpc.QuotaResponse;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.MatchArgument;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.Rule;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.plugin.grpc.Await;
import org.polarisagent.plugin.grpc.CapturedStderr;
import org.polarisagent.plugin.grpc.adapter.server.ProvidedServices;
import org.polarisagent.plugin.grpc.adapter.server.TestProvidedServices;
import org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestCalls.FakeCall;
import org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestCalls.RecordingHandler;

class RateLimitInterceptorTest {

  private final FakeRateLimitSdk sdk = new FakeRateLimitSdk();
  private final List<Runnable> background = new ArrayList<>();
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);

  @AfterEach
  void stopTimer() throws InterruptedException {
    timer.shutdownNow();
    timer.awaitTermination(5, TimeUnit.SECONDS);
  }

  private RateLimitInterceptor interceptor(String configuredService, Integer... ports) {
    return interceptor(null, configuredService, ports);
  }

  private RateLimitInterceptor interceptor(
      AgentMetrics metrics, String configuredService, Integer... ports) {
    ProvidedServices services =
        TestProvidedServices.of(
            configuredService, "ns", new HashSet<Integer>(Arrays.asList(ports)));
    return new RateLimitInterceptor(
        services, new RuleCache(sdk, "ns", background::add), sdk, () -> timer, metrics);
  }

  private void runBackground() {
    List<Runnable> tasks = new ArrayList<>(background);
    background.clear();
    tasks.forEach(Runnable::run);
  }

  /**
   * Lets the interceptor learn the rules of the call's service, as its first call and the
   * background do.
   */
  private ServerCall.Listener<String> learnRules(RateLimitInterceptor interceptor) {
    ServerCall.Listener<String> first =
        interceptor.interceptCall(
            new FakeCall(TestCalls.ECHO), new Metadata(), new RecordingHandler());
    runBackground();
    return first;
  }

  /**
   * An interceptor for svc that has learned one rule: 5 calls from the caller service {@code
   * namespace/name}.
   */
  private RateLimitInterceptor limitingCaller(String namespace, String name) {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(byCaller(namespace, name))));
    RateLimitInterceptor interceptor = interceptor("svc");
    learnRules(interceptor);
    return interceptor;
  }

  /** Rule by-caller: 5 calls from the caller service {@code namespace/name}. */
  private static Rule.Builder byCaller(String namespace, String name) {
    return exact("by-caller", "", 5)
        .addArguments(argument(MatchArgument.Type.CALLER_SERVICE, namespace, name));
  }

  @Test
  void callsPassUncheckedUntilTheRulesAreKnownThenOverQuotaCallsEndWithResourceExhausted() {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(exact("echo-5", "/echo.Echo/Echo", 5))));
    sdk.answer = request -> FakeRateLimitSdk.limited("echo-5");
    RateLimitInterceptor interceptor = interceptor("svc");

    RecordingHandler first = new RecordingHandler();
    FakeCall firstCall = new FakeCall(TestCalls.ECHO);
    interceptor.interceptCall(firstCall, new Metadata(), first);
    assertEquals(
        Collections.singletonList("start"), first.events(), "not known yet: the call passes");
    assertTrue(sdk.requests.isEmpty());
    assertNull(firstCall.closed);

    runBackground();
    RecordingHandler second = new RecordingHandler();
    FakeCall secondCall = new FakeCall(TestCalls.ECHO);
    interceptor.interceptCall(secondCall, new Metadata(), second).onHalfClose();
    assertTrue(second.events().isEmpty(), "the application never sees a rejected call");
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, secondCall.closed.getCode());
    assertEquals(
        "rate limited by Polaris rule 'echo-5' on /echo.Echo/Echo",
        secondCall.closed.getDescription());
  }

  @Test
  void withMetricsOnEachRejectionCountsOnItsRule() {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(exact("echo-5", "/echo.Echo/Echo", 5))));
    sdk.answer = request -> FakeRateLimitSdk.limited("echo-5");
    AgentMetrics metrics = new AgentMetrics(100);
    RateLimitInterceptor interceptor = interceptor(metrics, "svc");
    learnRules(interceptor);

    for (int i = 0; i < 3; i++) {
      FakeCall call = new FakeCall(TestCalls.ECHO);
      interceptor.interceptCall(call, new Metadata(), new RecordingHandler());
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, call.closed.getCode());
    }

    String text = metrics.scrape();
    assertTrue(
        text.contains(
            "polaris_agent_ratelimit_rejections_total{polaris_namespace=\"\","
                + "polaris_service=\"\",rule=\"echo-5\"} 3\n"),
        text);
  }

  @Test
  void streamingCallsAreCheckedLikeUnaryOnes() {
    sdk.rules.put(
        "ns/echo.Echo", serviceRule("r1", rateLimit(exact("stream", "/echo.Echo/EchoStream", 1))));
    sdk.answer = request -> FakeRateLimitSdk.limited("stream");
    RateLimitInterceptor interceptor = interceptor("");
    learnRules(interceptor);
    FakeCall call = new FakeCall(TestCalls.ECHO_STREAM);
    interceptor.interceptCall(call, new Metadata(), new RecordingHandler());
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, call.closed.getCode());
    assertEquals("/echo.Echo/EchoStream", sdk.requests.get(sdk.requests.size() - 1).getMethod());
  }

  @Test
  void callerHeadersOfOtherPolarisIntegrationsAreAcceptedToo() {
    RateLimitInterceptor interceptor = limitingCaller("web-ns", "web");
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("polaris.request.caller.service", Metadata.ASCII_STRING_MARSHALLER), "web");
    headers.put(
        Metadata.Key.of("polaris.request.caller.namespace", Metadata.ASCII_STRING_MARSHALLER),
        "web-ns");
    interceptor.interceptCall(new FakeCall(TestCalls.ECHO), headers, new RecordingHandler());
    assertEquals(
        Collections.singleton(Argument.buildCallerService("web-ns", "web")),
        sdk.requests.get(0).getArguments());
  }

  @Test
  @SuppressWarnings("deprecation")
  void theRequestNamesServiceAndMethodPathAndCarriesOnlyTheArgumentsTheRulesMatchOn() {
    sdk.rules.put(
        "ns/svc",
        serviceRule(
            "r1",
            rateLimit(
                byCaller("web-ns", "web"),
                exact("by-user", "", 5)
                    .addArguments(argument(MatchArgument.Type.HEADER, "X-User", "alice")))));
    RateLimitInterceptor interceptor = interceptor("svc");
    learnRules(interceptor);
    Metadata headers = new Metadata();
    headers.put(RateLimitInterceptor.CALLER_SERVICE, "web");
    headers.put(RateLimitInterceptor.CALLER_NAMESPACE, "web-ns");
    headers.put(Metadata.Key.of("x-user", Metadata.ASCII_STRING_MARSHALLER), "alice");
    headers.put(Metadata.Key.of("x-other", Metadata.ASCII_STRING_MARSHALLER), "ignored");
    RecordingHandler handler = new RecordingHandler();
    interceptor.interceptCall(new FakeCall(TestCalls.ECHO), headers, handler);

    assertEquals(Collections.singletonList("start"), handler.events());
    QuotaRequest request = sdk.requests.get(0);
    assertEquals("ns", request.getNamespace());
    assertEquals("svc", request.getService());
    assertEquals("/echo.Echo/Echo", request.getMethod());
    Set<Argument> expected =
        new HashSet<>(
            Arrays.asList(
                Argument.buildCallerService("web-ns", "web"),
                Argument.buildHeader("X-User", "alice")));
    assertEquals(expected, request.getArguments());
  }

  @Test
  @SuppressWarnings("deprecation")
  void
      aCallerWithoutNamespaceHeaderIsTakenToBeInThisNamespaceAndTheCallerIpIsPassedWhenRulesAskForIt() {
    sdk.rules.put(
        "ns/echo.Echo",
        serviceRule(
            "r1",
            rateLimit(
                byCaller("ns", "web")
                    .addArguments(argument(MatchArgument.Type.CALLER_IP, "", "10.1.2.3")))));
    RateLimitInterceptor interceptor = interceptor("");
    learnRules(interceptor);
    Metadata headers = new Metadata();
    headers.put(RateLimitInterceptor.CALLER_SERVICE, "web");
    Attributes attributes =
        Attributes.newBuilder()
            .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, new InetSocketAddress("10.1.2.3", 40000))
            .build();
    interceptor.interceptCall(
        new FakeCall(TestCalls.ECHO, attributes), headers, new RecordingHandler());

    QuotaRequest request = sdk.requests.get(0);
    assertEquals("echo.Echo", request.getService());
    assertEquals(
        new HashSet<>(
            Arrays.asList(
                Argument.buildCallerService("ns", "web"), Argument.buildCallerIP("10.1.2.3"))),
        request.getArguments());
  }

  @Test
  void servicesWithoutEnabledRulesNeverAskTheSdk() {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit()));
    RateLimitInterceptor interceptor = interceptor("svc");
    learnRules(interceptor);
    for (int i = 0; i < 3; i++) {
      RecordingHandler handler = callEcho(interceptor);
      assertEquals(Collections.singletonList("start"), handler.events());
    }
    assertTrue(sdk.requests.isEmpty());
  }

  @Test
  void infrastructureCallsAreNeverChecked() {
    sdk.answer = request -> FakeRateLimitSdk.limited("any");
    RateLimitInterceptor interceptor = interceptor("svc");
    RecordingHandler handler = new RecordingHandler();
    interceptor.interceptCall(new FakeCall(TestCalls.HEALTH), new Metadata(), handler);
    assertEquals(Collections.singletonList("start"), handler.events());
    assertTrue(background.isEmpty(), "no service is watched for it");
  }

  @Test
  void callsToServersOnPortsThatDoNotRegisterAreNotChecked() {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(exact("a", "", 5))));
    sdk.answer = request -> FakeRateLimitSdk.limited("a");
    RateLimitInterceptor interceptor = interceptor("svc", 50051);
    learnRules(interceptor);
    FakeCall admin = echoCallToLocalPort(9090);
    interceptor.interceptCall(admin, new Metadata(), new RecordingHandler());
    assertNull(admin.closed);
    FakeCall registered = echoCallToLocalPort(50051);
    interceptor.interceptCall(registered, new Metadata(), new RecordingHandler());
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, registered.closed.getCode());
  }

  /**
   * An Echo call without headers through the interceptor; its handler records what reached the
   * application.
   */
  private static RecordingHandler callEcho(RateLimitInterceptor interceptor) {
    RecordingHandler handler = new RecordingHandler();
    interceptor.interceptCall(new FakeCall(TestCalls.ECHO), new Metadata(), handler);
    return handler;
  }

  /** An Echo call that came in on the server port {@code port} of 127.0.0.1. */
  private static FakeCall echoCallToLocalPort(int port) {
    return new FakeCall(
        TestCalls.ECHO,
        Attributes.newBuilder()
            .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, new InetSocketAddress("127.0.0.1", port))
            .build());
  }

  @Test
  void whenTheSdkFailsCallsPassWithOneWarning() {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(exact("a", "", 5))));
    sdk.answer =
        request -> {
          throw new IllegalStateException("limiter broken");
        };
    RateLimitInterceptor interceptor = interceptor("svc");
    learnRules(interceptor);
    String stderr =
        CapturedStderr.during(
            () -> {
              for (int i = 0; i < 5; i++) {
                RecordingHandler handler = callEcho(interceptor);
                assertEquals(Collections.singletonList("start"), handler.events());
              }
            });
    assertEquals(1, occurrences(stderr, "WARN Polaris rate limiting failed"), stderr);
  }

  @Test
  void whileTheSdkIsNotRunningCallsPassWithOneWarning() {
    sdk.ready = false;
    sdk.unavailableReason = "the Polaris SDK failed to start";
    RateLimitInterceptor interceptor = interceptor("svc");
    String stderr =
        CapturedStderr.during(
            () -> {
              for (int i = 0; i < 5; i++) {
                RecordingHandler handler = callEcho(interceptor);
                runBackground();
                assertEquals(Collections.singletonList("start"), handler.events());
              }
            });
    assertEquals(
        1,
        occurrences(stderr, "WARN Polaris rate limiting is off: the Polaris SDK failed to start"),
        stderr);
    assertEquals(0, sdk.ruleReads.get());
  }

  @Test
  void concurrencyQuotaIsGivenBackOnceWhenTheCallEnds() {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(exact("a", "", 5))));
    AtomicInteger released = new AtomicInteger();
    sdk.answer = request -> FakeRateLimitSdk.okHolding(released::incrementAndGet);
    RateLimitInterceptor interceptor = interceptor("svc");
    learnRules(interceptor);
    RecordingHandler handler = new RecordingHandler();
    ServerCall.Listener<String> listener =
        interceptor.interceptCall(new FakeCall(TestCalls.ECHO), new Metadata(), handler);
    listener.onHalfClose();
    assertEquals(0, released.get(), "held while the call runs");
    listener.onComplete();
    listener.onCancel();
    assertEquals(1, released.get());
    assertEquals(Arrays.asList("start", "halfClose", "complete", "cancel"), handler.events());

    sdk.answer =
        request -> {
          QuotaResponse limited = FakeRateLimitSdk.limited("a");
          limited.addRelease(released::incrementAndGet);
          return limited;
        };
    interceptor.interceptCall(new FakeCall(TestCalls.ECHO), new Metadata(), new RecordingHandler());
    assertEquals(
        2, released.get(), "a rejected call gives back what earlier windows granted at once");
  }

  @Test
  @SuppressWarnings("deprecation")
  void onlyABoundedNumberOfDistinctCallerServicesReachTheSdk() {
    RateLimitInterceptor interceptor = limitingCaller("ns", "web");
    String log =
        CapturedStderr.during(
            () -> {
              for (int i = 0; i <= RateLimitInterceptor.MAX_CALLERS + 5; i++) {
                Metadata headers = new Metadata();
                headers.put(RateLimitInterceptor.CALLER_SERVICE, "made-up-" + i);
                interceptor.interceptCall(
                    new FakeCall(TestCalls.ECHO), headers, new RecordingHandler());
              }
              Metadata known = new Metadata();
              known.put(RateLimitInterceptor.CALLER_SERVICE, "made-up-0");
              interceptor.interceptCall(
                  new FakeCall(TestCalls.ECHO), known, new RecordingHandler());
            });

    int last = sdk.requests.size() - 1;
    assertEquals(
        Collections.singleton(Argument.buildCallerService("ns", "made-up-999")),
        sdk.requests.get(RateLimitInterceptor.MAX_CALLERS - 1).getArguments());
    assertTrue(
        sdk.requests.get(RateLimitInterceptor.MAX_CALLERS).getArguments().isEmpty(),
        "a caller beyond the cap counts as no caller");
    assertEquals(
        Collections.singleton(Argument.buildCallerService("ns", "made-up-0")),
        sdk.requests.get(last).getArguments(),
        "callers seen before the cap still count as themselves");
    assertEquals(
        1, occurrences(log, "WARN calls named more than 1000 distinct caller services"), log);
  }

  @Test
  void aQueueingRuleStartsTheCallOnTheThreadOfItsFirstEventAfterTheWaitWithEveryEventInOrder() {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(exact("queue", "", 5))));
    sdk.answer = request -> FakeRateLimitSdk.waiting(200);
    RateLimitInterceptor interceptor = interceptor("svc");
    learnRules(interceptor);
    RecordingHandler handler = new RecordingHandler();
    handler.requestAtStart = 2;
    FakeCall call = new FakeCall(TestCalls.ECHO);
    long begin = System.nanoTime();
    ServerCall.Listener<String> listener = interceptor.interceptCall(call, new Metadata(), handler);
    listener.onReady();
    Await.until(
        () -> !call.requests.isEmpty(), "the first message asked for when the wait is over");
    assertTrue(
        System.nanoTime() - begin >= TimeUnit.MILLISECONDS.toNanos(200),
        "asked before the wait ended");
    assertEquals(Collections.singletonList(1), call.requests);
    assertTrue(handler.events().isEmpty(), "the timer thread starts nothing of the application");

    // gRPC delivers the message on the call's executor; this thread stands for it.
    listener.onMessage("a");
    listener.onHalfClose();
    listener.onComplete();

    assertSame(Thread.currentThread(), handler.startThread);
    assertEquals(
        Arrays.asList("start", "ready", "message:a", "halfClose", "complete"), handler.events());
    assertEquals(
        Arrays.asList(1, 1), call.requests, "the message asked for counts against the handler's 2");
  }

  @Test
  void aStreamingCallWhoseClientSendsNothingStartsAfterAGrace() {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(exact("queue", "", 5))));
    sdk.answer = request -> FakeRateLimitSdk.waiting(50);
    RateLimitInterceptor interceptor = interceptor("svc");
    FakeCall call =
        new FakeCall(
            TestCalls.method("echo.Echo/Chat", MethodDescriptor.MethodType.BIDI_STREAMING));
    interceptor.interceptCall(call, new Metadata(), new RecordingHandler());
    runBackground();
    RecordingHandler handler = new RecordingHandler();
    handler.requestAtStart = 1;
    long begin = System.nanoTime();
    interceptor.interceptCall(call, new Metadata(), handler);

    Await.until(
        () -> handler.events().contains("start"), "the start of a server that may speak first");
    assertTrue(
        System.nanoTime() - begin
            >= TimeUnit.MILLISECONDS.toNanos(50 + DelayedStart.FIRST_EVENT_GRACE_MILLIS));
    assertEquals(Collections.singletonList(1), call.requests, "one message asked for in all");
  }

  @Test
  void aCallCancelledWhileQueuedNeverStartsAndGivesItsQuotaBack() {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(exact("queue", "", 5))));
    AtomicInteger released = new AtomicInteger();
    sdk.answer =
        request ->
            new QuotaResponse(
                new QuotaResult(
                    QuotaResult.Code.QuotaResultOk, 100, "", released::incrementAndGet));
    RateLimitInterceptor interceptor = interceptor("svc");
    learnRules(interceptor);
    RecordingHandler handler = new RecordingHandler();
    FakeCall call = new FakeCall(TestCalls.ECHO);
    ServerCall.Listener<String> listener = interceptor.interceptCall(call, new Metadata(), handler);
    call.cancelled = true;
    listener.onCancel();
    Await.until(() -> released.get() == 1, "the quota given back");
    assertTrue(handler.events().isEmpty(), handler.events().toString());
  }

  private static int occurrences(String text, String part) {
    int count = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      count++;
    }
    return count;
  }
}
