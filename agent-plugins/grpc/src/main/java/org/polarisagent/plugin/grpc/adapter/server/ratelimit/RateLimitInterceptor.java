package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import com.tencent.polaris.ratelimit.api.rpc.Argument;
import com.tencent.polaris.ratelimit.api.rpc.QuotaRequest;
import com.tencent.polaris.ratelimit.api.rpc.QuotaResponse;
import com.tencent.polaris.ratelimit.api.rpc.QuotaResultCode;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.Rule;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.plugin.grpc.adapter.CallerMetadata;
import org.polarisagent.plugin.grpc.adapter.server.ProvidedServices;

/**
 * Applies the Polaris rate-limit rules of the service a call counts for ({@link ProvidedServices})
 * to every call, unary or streaming, before the application sees it. Over quota the call ends with
 * {@code RESOURCE_EXHAUSTED} and a description naming the rule; a queueing rule's wait delays the
 * call's start ({@link DelayedStart}); concurrency quota is given back when the call ends.
 *
 * <p>Method matching: the SDK gets the gRPC path {@code /echo.Echo/Echo} as the method. It compares
 * a rule's EXACT, NOT_EQUALS, IN and NOT_IN method values segment by segment after the leading
 * slash, so {@code /echo.Echo/Echo} matches that method, {@code /echo.Echo/{method}} every method
 * of {@code echo.Echo}, and a value without the leading slash nothing (such rules get a WARN);
 * REGEX values are searched in the path. Arguments: only those the service's rules match on are
 * collected: the caller service (headers {@code x-polaris-caller-service} and {@code
 * x-polaris-caller-namespace}, set by callers with the agent, or {@code
 * polaris.request.caller.service} and {@code polaris.request.caller.namespace} of other
 * integrations, and as any header set by the client as it likes: at most {@link #MAX_CALLERS}
 * distinct ones are used), the caller IP, request headers, the method.
 *
 * <p>Cost per call: one map lookup and one volatile read while the service has no enabled rule or
 * its rules are not known yet; with rules, one {@link QuotaRequest} and the SDK's check. Fails
 * open: while the SDK is not running or when it errs, calls pass, with one WARN per kind of
 * failure. Thread-safe.
 */
public final class RateLimitInterceptor implements ServerInterceptor {

  /** The agent's caller headers; the names other Polaris integrations use are read after them. */
  static final Metadata.Key<String> CALLER_SERVICE = CallerMetadata.SERVICE.get(0);

  static final Metadata.Key<String> CALLER_NAMESPACE = CallerMetadata.NAMESPACE.get(0);
  private static final int MAX_METHODS = 10_000;

  /**
   * Distinct caller services (namespace and name, from the caller's headers) handed to the SDK at
   * most.
   */
  static final int MAX_CALLERS = 1_000;

  /** Stands for methods whose calls are not rate-limited. */
  private static final Target UNCOUNTED = new Target(null, null);

  private final ProvidedServices services;
  private final RuleCache rules;
  private final RateLimitSdk sdk;
  private final Supplier<ScheduledExecutorService> delays;
  private final AgentMetrics metrics;

  /** Per rule, its rejection count; at most {@value #MAX_RULE_COUNTERS} (beyond, looked up). */
  private final ConcurrentHashMap<Rule, LongAdder> rejections = new ConcurrentHashMap<>();

  private volatile LongAdder unknownRuleRejections;

  static final int MAX_RULE_COUNTERS = 1_000;
  private final ConcurrentHashMap<String, Target> targets = new ConcurrentHashMap<>();
  private final AtomicBoolean notReadyLogged = new AtomicBoolean();
  private final AtomicBoolean failureLogged = new AtomicBoolean();
  private final Set<String> callers = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean callersCapLogged = new AtomicBoolean();

  /** The method path and watched service of calls to one gRPC method. Immutable. */
  private static final class Target {
    final String path;
    final RuleCache.Watched service;

    Target(String path, RuleCache.Watched service) {
      this.path = path;
      this.service = service;
    }
  }

  /**
   * @param delays the timer that starts calls after a queueing rule's wait; asked for only then
   * @param metrics where rejections are counted; null when metrics are off
   */
  RateLimitInterceptor(
      ProvidedServices services,
      RuleCache rules,
      RateLimitSdk sdk,
      Supplier<ScheduledExecutorService> delays,
      AgentMetrics metrics) {
    this.services = services;
    this.rules = rules;
    this.sdk = sdk;
    this.delays = delays;
    this.metrics = metrics;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    QuotaResponse quota = quotaFor(call, headers);
    if (quota == null) {
      return next.startCall(call, headers);
    }
    List<Runnable> releases = quota.getReleaseList();
    if (quota.getCode() == QuotaResultCode.QuotaResultLimited) {
      ReleasingListener.runAll(releases);
      if (metrics != null) {
        countRejection(quota);
      }
      call.close(Status.RESOURCE_EXHAUSTED.withDescription(rejection(quota, call)), new Metadata());
      return new ServerCall.Listener<ReqT>() {};
    }
    if (quota.getWaitMs() > 0) {
      return new DelayedStart<>(call, headers, next, releases)
          .startAfter(delays.get(), quota.getWaitMs());
    }
    if (releases.isEmpty()) {
      return next.startCall(call, headers);
    }
    ServerCall.Listener<ReqT> listener;
    try {
      listener = next.startCall(call, headers);
    } catch (RuntimeException | Error e) {
      ReleasingListener.runAll(releases);
      throw e;
    }
    return new ReleasingListener<>(listener, releases);
  }

  /** The SDK's decision on this call, or null if the call passes unchecked. Never throws. */
  private QuotaResponse quotaFor(ServerCall<?, ?> call, Metadata headers) {
    try {
      Target target = targetOf(call.getMethodDescriptor().getFullMethodName());
      if (target == null || (services.filtersPorts() && !registeredPort(call))) {
        return null;
      }
      ServiceRules known = target.service.rules;
      if (known == null) {
        if (!sdk.ready()) {
          warnNotReady();
        }
        return null;
      }
      if (!known.limited()) {
        return null;
      }
      return sdk.quota(request(call, headers, target, known));
    } catch (Throwable t) {
      if (failureLogged.compareAndSet(false, true)) {
        AgentLog.warn(
            "Polaris rate limiting failed (" + t + "); calls pass unchecked while it fails");
      }
      return null;
    }
  }

  private Target targetOf(String fullMethodName) {
    Target target = targets.get(fullMethodName);
    if (target == null) {
      String polarisService =
          services.polarisServiceOf(MethodDescriptor.extractFullServiceName(fullMethodName));
      RuleCache.Watched watched = polarisService == null ? null : rules.watch(polarisService);
      target = watched == null ? UNCOUNTED : new Target("/" + fullMethodName, watched);
      if (targets.size() < MAX_METHODS) {
        Target raced = targets.putIfAbsent(fullMethodName, target);
        target = raced == null ? target : raced;
      }
    }
    return target == UNCOUNTED ? null : target;
  }

  @SuppressWarnings(
      "deprecation") // QuotaRequest's argument set is deprecated, and the only one there is.
  private QuotaRequest request(
      ServerCall<?, ?> call, Metadata headers, Target target, ServiceRules known) {
    QuotaRequest request = new QuotaRequest();
    request.setNamespace(services.namespace());
    request.setService(target.service.service);
    request.setMethod(target.path);
    Set<Argument> arguments = request.getArguments();
    if (known.method) {
      arguments.add(Argument.buildMethod(target.path));
    }
    if (known.callerService) {
      String caller = CallerMetadata.first(headers, CallerMetadata.SERVICE);
      if (caller != null && !caller.isEmpty()) {
        String namespace = CallerMetadata.first(headers, CallerMetadata.NAMESPACE);
        namespace = namespace == null || namespace.isEmpty() ? services.namespace() : namespace;
        if (knownCaller(namespace, caller)) {
          arguments.add(Argument.buildCallerService(namespace, caller));
        }
      }
    }
    if (known.callerIp) {
      SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      if (remote instanceof InetSocketAddress
          && ((InetSocketAddress) remote).getAddress() != null) {
        arguments.add(
            Argument.buildCallerIP(((InetSocketAddress) remote).getAddress().getHostAddress()));
      }
    }
    for (ServiceRules.HeaderArgument header : known.headers) {
      String value = headers.get(header.key);
      if (value != null) {
        arguments.add(Argument.buildHeader(header.ruleKey, value));
      }
    }
    return request;
  }

  /**
   * True if this caller service may be handed to the SDK: each distinct one makes the SDK keep a
   * quota window, and callers name themselves, so after {@link #MAX_CALLERS} distinct ones new
   * names count as calls without a caller, after one WARN.
   */
  private boolean knownCaller(String namespace, String caller) {
    String key = namespace + "/" + caller;
    if (callers.contains(key)) {
      return true;
    }
    if (callers.size() < MAX_CALLERS) {
      callers.add(key);
      return true;
    }
    if (callersCapLogged.compareAndSet(false, true)) {
      AgentLog.warn(
          "calls named more than "
              + MAX_CALLERS
              + " distinct caller services in their "
              + CALLER_SERVICE.name()
              + " header; calls from further callers are rate-limited as calls without a"
              + " caller");
    }
    return false;
  }

  private boolean registeredPort(ServerCall<?, ?> call) {
    SocketAddress local = call.getAttributes().get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR);
    return !(local instanceof InetSocketAddress)
        || services.registersPort(((InetSocketAddress) local).getPort());
  }

  private void warnNotReady() {
    if (notReadyLogged.compareAndSet(false, true)) {
      String reason = sdk.unavailableReason();
      AgentLog.warn(
          reason == null
              ? "Polaris rate limiting is not in force yet: the Polaris SDK is still starting; calls pass meanwhile"
              : "Polaris rate limiting is off: " + reason + "; calls pass unchecked");
    }
  }

  /**
   * Counts a rejection on its rule's counter, made once per rule: finding it again takes the rule's
   * memoised hash and an equality check (one of identity while the SDK hands out the same rule).
   */
  private void countRejection(QuotaResponse quota) {
    Rule rule = quota.getActiveRule();
    if (rule == null) {
      LongAdder count = unknownRuleRejections;
      if (count == null) {
        count = metrics.rateLimitRejections(services.namespace(), "", "");
        unknownRuleRejections = count;
      }
      count.increment();
      return;
    }
    LongAdder count = rejections.get(rule);
    if (count == null) {
      count =
          metrics.rateLimitRejections(
              rule.getNamespace().getValue(),
              rule.getService().getValue(),
              ServiceRules.nameOf(rule));
      if (rejections.size() < MAX_RULE_COUNTERS) {
        rejections.putIfAbsent(rule, count);
      }
    }
    count.increment();
  }

  private static String rejection(QuotaResponse quota, ServerCall<?, ?> call) {
    Rule rule = quota.getActiveRule();
    String name = rule == null ? "" : ServiceRules.nameOf(rule);
    return "rate limited by Polaris rule '"
        + (name.isEmpty() ? "?" : name)
        + "' on /"
        + call.getMethodDescriptor().getFullMethodName();
  }
}
