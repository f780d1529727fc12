package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.argument;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.exact;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.rateLimit;

import com.tencent.polaris.api.pojo.ServiceKey;
import com.tencent.polaris.client.api.SDKContext;
import com.tencent.polaris.factory.config.ConfigurationImpl;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.Amount;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.MatchArgument;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.Rule;
import com.tencent.polaris.test.mock.discovery.NamingService;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.io.File;
import java.net.InetSocketAddress;
import java.util.Collections;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.logging.SdkLogFile;
import org.polarisagent.core.sdk.PolarisSdk;
import org.polarisagent.plugin.grpc.Await;
import org.polarisagent.plugin.grpc.adapter.server.TestProvidedServices;
import org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestCalls.FakeCall;
import org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestCalls.RecordingHandler;
import shade.polaris.com.google.protobuf.Duration;
import shade.polaris.com.google.protobuf.UInt32Value;
import shade.polaris.io.grpc.Server;
import shade.polaris.io.grpc.netty.NettyServerBuilder;

/**
 * What the real SDK (polaris-all's LimitAPI, rules served by its mock naming server on loopback)
 * makes of the requests the interceptor builds: which rule method values match a gRPC call, and
 * caller matching. Quotas are per minute, so that no window boundary falls between a test's calls.
 */
class SdkRateLimitTest {

  private static final String NAMESPACE = "default";
  private static Server naming;
  private static NamingService rules;
  private static PolarisSdk sdk;

  @BeforeAll
  static void start() throws Exception {
    rules = new NamingService();
    naming =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(rules)
            .build()
            .start();
    SdkLogFile.configure(
        new File("target/sdk-rate-limit-test/polaris-sdk.log").getAbsolutePath(),
        AgentLog.Level.INFO);
    String logHome = System.getProperty("polaris.log.home");
    System.setProperty(
        "polaris.log.home", new File("target/sdk-rate-limit-test").getAbsolutePath());
    try {
      ConfigurationImpl configuration = new ConfigurationImpl();
      configuration.setDefault();
      configuration
          .getGlobal()
          .getServerConnector()
          .setAddresses(Collections.singletonList("127.0.0.1:" + naming.getPort()));
      configuration.getGlobal().getAPI().setBindIP("127.0.0.1");
      configuration.getGlobal().getStatReporter().setEnable(false);
      configuration.getGlobal().getTraceReporter().setEnable(false);
      configuration.getGlobal().getAPI().setReportEnable(false);
      configuration.getConsumer().getLocalCache().setPersistEnable(false);
      sdk = PolarisSdk.of(SDKContext.initContextByConfig(configuration));
    } finally {
      if (logHome == null) {
        System.clearProperty("polaris.log.home");
      } else {
        System.setProperty("polaris.log.home", logHome);
      }
    }
  }

  @AfterAll
  static void stop() {
    if (sdk != null) {
      sdk.close();
    }
    if (naming != null) {
      naming.shutdownNow();
    }
  }

  private static Rule.Builder perMinute(Rule.Builder rule, int calls) {
    return rule.clearAmounts()
        .addAmounts(
            Amount.newBuilder()
                .setMaxAmount(UInt32Value.of(calls))
                .setValidDuration(Duration.newBuilder().setSeconds(60)));
  }

  private static RateLimitInterceptor interceptorFor(String service, Rule.Builder... serviceRules) {
    ServiceKey key = new ServiceKey(NAMESPACE, service);
    rules.addService(key);
    rules.setRateLimit(key, rateLimit(serviceRules));
    RateLimitSdk limits = new PolarisRateLimitSdk(sdk);
    RuleCache cache = new RuleCache(limits, NAMESPACE, Runnable::run);
    awaitRulesInForce(cache, cache.watch(service));
    return new RateLimitInterceptor(
        TestProvidedServices.of(service, NAMESPACE, Collections.<Integer>emptySet()),
        cache,
        limits,
        () -> {
          throw new AssertionError("no queueing rule here");
        },
        null);
  }

  /**
   * Waits until the cache holds the service's rules, reading them again meanwhile: the SDK's first
   * read waits for the mock naming server only up to its API timeout, which a busy machine can
   * exceed, and until the rules are known every call passes unchecked.
   */
  private static void awaitRulesInForce(RuleCache cache, RuleCache.Watched watched) {
    Await.until(
        () -> {
          if (watched.rules != null && watched.rules.limited()) {
            return true;
          }
          cache.refresh(watched);
          return false;
        },
        "the rate-limit rules of " + watched.service + " in force");
  }

  /** How many of {@code calls} calls pass. */
  private static int passing(
      RateLimitInterceptor interceptor,
      MethodDescriptor<String, String> method,
      int calls,
      String caller) {
    int passed = 0;
    for (int i = 0; i < calls; i++) {
      Metadata headers = new Metadata();
      if (caller != null) {
        headers.put(RateLimitInterceptor.CALLER_SERVICE, caller);
        headers.put(RateLimitInterceptor.CALLER_NAMESPACE, NAMESPACE);
      }
      RecordingHandler handler = new RecordingHandler();
      interceptor.interceptCall(new FakeCall(method), headers, handler);
      passed += handler.events().size();
    }
    return passed;
  }

  @Test
  void aMethodPathRuleLimitsThatMethodOnlyAndAValueWithoutLeadingSlashNothing() {
    RateLimitInterceptor interceptor =
        interceptorFor(
            "paths",
            perMinute(exact("echo-2", "/echo.Echo/Echo", 1), 2),
            perMinute(exact("other-no-slash", "echo.Echo/Other", 1), 1));
    assertEquals(2, passing(interceptor, TestCalls.ECHO, 5, null));
    assertEquals(
        5,
        passing(
            interceptor,
            TestCalls.method("echo.Echo/Other", MethodDescriptor.MethodType.UNARY),
            5,
            null));
    assertEquals(5, passing(interceptor, TestCalls.ECHO_STREAM, 5, null));
  }

  @Test
  void aPathWithAPlaceholderCoversEveryMethodOfTheGrpcService() {
    RateLimitInterceptor interceptor =
        interceptorFor("wildcard", perMinute(exact("all-of-echo", "/echo.Echo/{method}", 1), 3));
    assertEquals(
        3,
        passing(interceptor, TestCalls.ECHO_STREAM, 2, null)
            + passing(interceptor, TestCalls.ECHO, 3, null));
    assertEquals(
        5,
        passing(
            interceptor,
            TestCalls.method("other.Other/Echo", MethodDescriptor.MethodType.UNARY),
            5,
            null));
  }

  @Test
  void aCallerRuleLimitsThatCallerOnly() {
    RateLimitInterceptor interceptor =
        interceptorFor(
            "callers",
            perMinute(
                exact("web-1", "", 1)
                    .addArguments(argument(MatchArgument.Type.CALLER_SERVICE, NAMESPACE, "web")),
                1));
    assertEquals(1, passing(interceptor, TestCalls.ECHO, 3, "web"));
    assertEquals(3, passing(interceptor, TestCalls.ECHO, 3, "batch"));
    assertEquals(3, passing(interceptor, TestCalls.ECHO, 3, null));
  }
}
