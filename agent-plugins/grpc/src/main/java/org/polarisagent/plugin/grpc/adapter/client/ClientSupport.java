package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.ServiceKey;
import com.tencent.polaris.api.rpc.GetAllInstancesRequest;
import io.grpc.Status;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.sdk.PolarisSdk;
import org.polarisagent.core.sdk.SdkApis;
import org.polarisagent.plugin.grpc.PolarisTarget;

/**
 * What the Polaris resolvers and balancers of one gRPC share: configuration, the SDK's consumer API and one
 * daemon thread for discovery work. Thread-safe.
 */
public final class ClientSupport {

  /** How long a resolver waits for the SDK started in the background before reporting it unavailable. */
  static final long SDK_WAIT_MILLIS = 10_000;

  private final PolarisSdk sdk;
  private final String defaultNamespace;
  private final String loadBalancer;
  private final String hashHeader;
  private final ServiceKey callerKey;
  private final boolean circuitBreakerEnabled;
  private final Set<Status.Code> failureCodes = EnumSet.noneOf(Status.Code.class);
  private final ClassLoader agentLoader;
  private final CallRouting routing;
  private final OutcomeQueue outcomes;
  private volatile boolean routingFailureLogged;
  private ScheduledExecutorService executor;

  public ClientSupport(AgentContext context) {
    AgentConfig config = context.config();
    this.sdk = context.sdk();
    this.agentLoader = context.agentLoader();
    this.routing = new CallRouting(config);
    this.outcomes = new OutcomeQueue(this, agentLoader);
    this.defaultNamespace = config.get(AgentConfig.NAMESPACE);
    this.loadBalancer = config.get(AgentConfig.LOAD_BALANCER);
    this.hashHeader = config.get(AgentConfig.LOAD_BALANCER_HASH_HEADER);
    // The SDK needs a caller for circuit breaking: the same key in reports and in routing.
    this.callerKey = routing.callerKey();
    this.circuitBreakerEnabled = config.get(AgentConfig.CIRCUIT_BREAKER_ENABLED);
    for (String code : config.get(AgentConfig.CIRCUIT_BREAKER_FAILURE_CODES)) {
      try {
        failureCodes.add(Status.Code.valueOf(code.trim().toUpperCase(java.util.Locale.ROOT)));
      } catch (IllegalArgumentException unknown) {
        AgentLog.error("unknown gRPC status code '" + code + "' in "
            + AgentConfig.CIRCUIT_BREAKER_FAILURE_CODES.name() + "; it is ignored");
      }
    }
  }

  String defaultNamespace() {
    return defaultNamespace;
  }

  String loadBalancer() {
    return loadBalancer;
  }

  String hashHeader() {
    return hashHeader;
  }

  OutcomeQueue outcomes() {
    return outcomes;
  }

  CallRouting routing() {
    return routing;
  }

  /** A routing failure lets the call through unrouted; said once, not per call. */
  void routingFailed(RuntimeException e) {
    if (!routingFailureLogged) {
      routingFailureLogged = true;
      AgentLog.warn("routing through Polaris failed, calls go to any instance (said once): " + e);
    }
  }

  /** This application as the caller: its namespace and service (empty when not configured). */
  ServiceKey callerKey() {
    return callerKey;
  }

  boolean circuitBreakerEnabled() {
    return circuitBreakerEnabled;
  }

  /** Whether a call that ended with this code counts as a failure for circuit breaking. */
  boolean isFailure(Status.Code code) {
    return failureCodes.contains(code);
  }

  /** The SDK, waiting a bounded time for it to start; null when it is not available. */
  SdkApis sdk() {
    return sdk.awaitApis(SDK_WAIT_MILLIS);
  }

  /** The SDK if it has started, without waiting; else null. */
  SdkApis sdkIfReady() {
    return sdk.apisIfReady();
  }

  /** Why Polaris cannot be used, for error messages. */
  String unavailableReason() {
    String reason = sdk.unavailableReason();
    return reason != null ? reason : "the Polaris SDK has not started within " + SDK_WAIT_MILLIS + " ms";
  }

  /**
   * Starts loading a target's instances into the SDK's cache in the background; a malformed target is
   * left to the resolver to report.
   */
  public void prefetch(String polarisTarget) {
    final PolarisTarget target;
    try {
      target = PolarisTarget.parse(polarisTarget, defaultNamespace);
    } catch (IllegalArgumentException invalid) {
      return;
    }
    executor().execute(() -> {
      SdkApis apis = sdk();
      if (apis != null) {
        GetAllInstancesRequest request = new GetAllInstancesRequest();
        request.setService(target.service());
        request.setNamespace(target.namespace());
        try {
          apis.consumer().getAllInstances(request);
        } catch (RuntimeException e) {
          AgentLog.debug("prefetch of " + target + " failed: " + e);
        }
      }
    });
  }

  /** One daemon thread for discovery work of every Polaris channel of this gRPC, created on first use. */
  synchronized ScheduledExecutorService executor() {
    if (executor == null) {
      executor = DaemonScheduler.create("polaris-agent-discovery", agentLoader);
    }
    return executor;
  }

}
