package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.Instance;
import com.tencent.polaris.api.pojo.RouteArgument;
import com.tencent.polaris.api.pojo.ServiceEventKey;
import com.tencent.polaris.api.pojo.ServiceInfo;
import com.tencent.polaris.api.pojo.ServiceInstances;
import com.tencent.polaris.api.pojo.ServiceKey;
import com.tencent.polaris.api.pojo.ServiceRule;
import com.tencent.polaris.api.rpc.GetServiceRuleRequest;
import com.tencent.polaris.router.api.rpc.ProcessRoutersRequest;
import com.tencent.polaris.specification.api.v1.fault.tolerance.CircuitBreakerProto;
import io.grpc.Metadata;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.sdk.LocalAddress;
import org.polarisagent.core.sdk.SdkApis;
import org.polarisagent.plugin.grpc.PolarisTarget;

/**
 * Runs the SDK's router chain (isolated, metadata, rule, nearby, then unhealthy and circuit-broken
 * instances out) for this application as the caller. Without routing rules the result cannot depend
 * on the call, so it is computed once per change ({@link #route(SdkApis, ServiceInstances)}); with
 * rules, per call, with the method path, the request headers, this application's IP and the
 * configured labels as arguments. Immutable.
 */
final class CallRouting {

  private static final String RULE_ROUTER = "ruleRouter";
  private static final String METADATA_ROUTER = "metadataRoute";
  private static final String NEARBY_ROUTER = "nearByRoute";

  private final ServiceInfo caller;
  private final Map<String, String> metadata;
  private final boolean nearby;
  private final Map<String, String> labels;
  private final String configuredHost;
  private final String firstServer;

  /**
   * This application's IP as rule routing sees it; found on first need, off the application's
   * threads.
   */
  private volatile String callerIp;

  CallRouting(AgentConfig config) {
    caller = new ServiceInfo();
    caller.setNamespace(config.get(AgentConfig.NAMESPACE));
    caller.setService(config.get(AgentConfig.SERVICE));
    metadata = config.entriesUnder(AgentConfig.ROUTER_METADATA);
    nearby = config.get(AgentConfig.ROUTER_NEARBY);
    labels = config.entriesUnder(AgentConfig.ROUTER_LABELS);
    configuredHost = config.get(AgentConfig.INSTANCE_HOST);
    firstServer = config.get(AgentConfig.ADDRESS).get(0);
  }

  /**
   * This application's IP: {@code polaris.instance.host}, else the local address that routes to
   * Polaris (a DNS lookup and a socket call the first time: call it first from a background
   * thread).
   */
  String callerIp() {
    String ip = callerIp;
    if (ip == null) {
      ip = configuredHost.isEmpty() ? LocalAddress.towards(firstServer) : configuredHost;
      callerIp = ip;
    }
    return ip;
  }

  /** The destination's inbound and this caller's outbound routing rules. */
  RouteRules rules(SdkApis sdk, PolarisTarget target) {
    ServiceRule destination = routingRule(sdk, target.namespace(), target.service());
    ServiceRule source =
        caller.getService().isEmpty()
            ? null
            : routingRule(sdk, caller.getNamespace(), caller.getService());
    return RouteRules.of(destination, source, target.namespace(), target.service());
  }

  /**
   * The levels of the destination's enabled circuit-breaker rules that calls must be checked
   * against before they are sent (method, service); the instance level works through routing.
   */
  Set<CircuitBreakerProto.Level> breakerLevels(SdkApis sdk, PolarisTarget target) {
    Set<CircuitBreakerProto.Level> levels = EnumSet.noneOf(CircuitBreakerProto.Level.class);
    GetServiceRuleRequest request = new GetServiceRuleRequest();
    request.setNamespace(target.namespace());
    request.setService(target.service());
    request.setRuleType(ServiceEventKey.EventType.CIRCUIT_BREAKING);
    ServiceRule rule = sdk.consumer().getServiceRule(request).getServiceRule();
    if (rule == null || !(rule.getRule() instanceof CircuitBreakerProto.CircuitBreaker)) {
      return levels;
    }
    for (CircuitBreakerProto.CircuitBreakerRule breaker :
        ((CircuitBreakerProto.CircuitBreaker) rule.getRule()).getRulesList()) {
      if (breaker.getEnable()
          && (breaker.getLevel() == CircuitBreakerProto.Level.METHOD
              || breaker.getLevel() == CircuitBreakerProto.Level.SERVICE)) {
        levels.add(breaker.getLevel());
      }
    }
    return levels;
  }

  private static ServiceRule routingRule(SdkApis sdk, String namespace, String service) {
    GetServiceRuleRequest request = new GetServiceRuleRequest();
    request.setNamespace(namespace);
    request.setService(service);
    request.setRuleType(ServiceEventKey.EventType.ROUTING);
    return sdk.consumer().getServiceRule(request).getServiceRule();
  }

  /** The ids of the instances the chain lets through when no call argument matters. */
  Set<String> route(SdkApis sdk, ServiceInstances instances) {
    ProcessRoutersRequest request = newRequest(instances);
    request.putRouterArgument(RULE_ROUTER, customLabels());
    return ids(sdk.router().processRouters(request).getServiceInstances());
  }

  /** The instances one call may go to. */
  List<Instance> route(SdkApis sdk, ServiceInstances instances, String method, Metadata headers) {
    ProcessRoutersRequest request = newRequest(instances);
    request.setMethod(method);
    Set<RouteArgument> arguments = customLabels();
    arguments.add(RouteArgument.buildPath("/" + method));
    arguments.add(RouteArgument.buildMethod(method));
    arguments.add(RouteArgument.buildCallerIP(callerIp()));
    for (String key : headers.keys()) {
      if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        String value = headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        if (value != null) {
          arguments.add(RouteArgument.buildHeader(key, value));
        }
      }
    }
    request.putRouterArgument(RULE_ROUTER, arguments);
    return sdk.router().processRouters(request).getServiceInstances().getInstances();
  }

  private ProcessRoutersRequest newRequest(ServiceInstances instances) {
    ProcessRoutersRequest request = new ProcessRoutersRequest();
    request.setSourceService(caller);
    request.setDstInstances(instances);
    if (!metadata.isEmpty()) {
      request.putRouterMetadata(METADATA_ROUTER, metadata);
    }
    if (nearby) {
      request.putRouterMetadata(NEARBY_ROUTER, Collections.singletonMap("enabled", "true"));
    }
    return request;
  }

  private Set<RouteArgument> customLabels() {
    Set<RouteArgument> arguments = new HashSet<>();
    for (Map.Entry<String, String> label : labels.entrySet()) {
      arguments.add(RouteArgument.buildCustom(label.getKey(), label.getValue()));
    }
    return arguments;
  }

  private static Set<String> ids(ServiceInstances instances) {
    Set<String> ids = new HashSet<>();
    for (Instance instance : instances.getInstances()) {
      ids.add(instance.getId());
    }
    return ids;
  }

  /** The caller's key, as reported to the circuit breaker: the same in routing and in reports. */
  ServiceKey callerKey() {
    return new ServiceKey(caller.getNamespace(), caller.getService());
  }
}
