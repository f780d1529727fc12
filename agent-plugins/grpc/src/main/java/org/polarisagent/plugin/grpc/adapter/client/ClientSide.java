package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.ServiceKey;
import com.tencent.polaris.api.rpc.GetAllInstancesRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.concurrent.SerialExecutor;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.sdk.PolarisSdk;
import org.polarisagent.core.sdk.SdkApis;
import org.polarisagent.plugin.grpc.PolarisTarget;

/**
 * What the Polaris resolvers and balancers of one gRPC share: configuration, the SDK, a small pool of
 * threads for blocking discovery work and one timer thread that only hands work to that pool. Each resolver
 * runs its work serially on the pool, so a service whose look-ups block holds up only its own resolution
 * while fewer than {@value #DISCOVERY_THREADS} services block at once; beyond, resolutions wait their turn.
 * Nothing here blocks the thread that creates it. Thread-safe.
 */
public final class ClientSide {

  /** Most threads doing discovery work at once; more services wait their turn. */
  static final int DISCOVERY_THREADS = 8;
  /** Targets prefetched at most; beyond, resolvers load their service themselves. */
  private static final int MAX_PREFETCHED = 1000;

  private final PolarisSdk sdk;
  private final String defaultNamespace;
  private final String loadBalancer;
  private final Metadata.Key<String> hashHeader;
  private final ServiceKey callerKey;
  private final boolean circuitBreakerEnabled;
  private final Set<Status.Code> failureCodes = EnumSet.noneOf(Status.Code.class);
  private final ClassLoader agentLoader;
  private final CallRouting routing;
  private final OutcomeQueue outcomes;
  private final ServiceDirectory directoryOverride;
  private volatile ServiceDirectory directory;
  private final Set<String> prefetched = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());
  private volatile boolean routingFailureLogged;
  private ScheduledExecutorService timer;
  private ThreadPoolExecutor pool;

  public ClientSide(AgentContext context) {
    this(context, null);
  }

  /** With a directory that replaces the SDK's, whatever the SDK's state; for tests. */
  ClientSide(AgentContext context, ServiceDirectory directoryOverride) {
    this.directoryOverride = directoryOverride;
    AgentConfig config = context.config();
    this.sdk = context.sdk();
    this.agentLoader = context.agentLoader();
    this.routing = new CallRouting(config);
    this.outcomes = new OutcomeQueue(this, agentLoader);
    this.defaultNamespace = config.get(AgentConfig.NAMESPACE);
    this.loadBalancer = config.get(AgentConfig.LOAD_BALANCER);
    this.hashHeader = headerKey(config.get(AgentConfig.LOAD_BALANCER_HASH_HEADER));
    // The SDK needs a caller for circuit breaking: the same key in reports and in routing.
    this.callerKey = routing.callerKey();
    this.circuitBreakerEnabled = config.get(AgentConfig.CIRCUIT_BREAKER_ENABLED);
    for (String code : config.get(AgentConfig.CIRCUIT_BREAKER_FAILURE_CODES)) {
      failureCodes.add(Status.Code.valueOf(code));
    }
  }

  /** The configuration validated the name; a gRPC that still refuses it gets no hash header, said once. */
  private static Metadata.Key<String> headerKey(String name) {
    if (name.isEmpty()) {
      return null;
    }
    try {
      return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    } catch (RuntimeException invalid) {
      AgentLog.error("invalid " + AgentConfig.LOAD_BALANCER_HASH_HEADER.name() + " '" + name + "': " + invalid.getMessage()
          + "; calls are balanced without a hash key");
      return null;
    }
  }

  String defaultNamespace() {
    return defaultNamespace;
  }

  String loadBalancer() {
    return loadBalancer;
  }

  /** The request header whose value is the hash key, or null. */
  Metadata.Key<String> hashHeader() {
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

  /** The SDK if it has started, without waiting; else null. */
  SdkApis sdkIfReady() {
    return sdk.apisIfReady();
  }

  /** What resolvers learn services from: the SDK's directory once it runs, else null. */
  ServiceDirectory directory() {
    if (directoryOverride != null) {
      return directoryOverride;
    }
    ServiceDirectory current = directory;
    if (current == null) {
      SdkApis apis = sdk.apisIfReady();
      if (apis != null) {
        current = new SdkServiceDirectory(apis, routing, circuitBreakerEnabled);
        directory = current;
      }
    }
    return current;
  }

  /** Whether the SDK is still starting: neither running nor failed. */
  boolean sdkStarting() {
    return sdk.apisIfReady() == null && sdk.unavailableReason() == null;
  }

  /** Runs {@code task} (which must not block) once the SDK has started or failed to. */
  void whenSdkSettled(Runnable task) {
    sdk.whenSettled(task);
  }

  /** Why Polaris cannot be used, for error messages. */
  String unavailableReason() {
    String reason = sdk.unavailableReason();
    return reason != null ? reason : "the Polaris SDK has not started within " + PolarisSdk.STARTUP_WAIT_MILLIS + " ms";
  }

  /**
   * Starts loading a target's instances into the SDK's cache in the background, once per service, and what
   * routing needs to know about this application; a malformed target is left to the resolver to report.
   */
  public void prefetch(String polarisTarget) {
    final PolarisTarget target;
    try {
      target = PolarisTarget.parse(polarisTarget, defaultNamespace);
    } catch (IllegalArgumentException invalid) {
      return;
    }
    String key = target.namespace() + '/' + target.service();
    if (prefetched.size() >= MAX_PREFETCHED || !prefetched.add(key)) {
      return; // once per service: an app that makes a channel per call must not load the pool
    }
    final Executor serial = newSerialExecutor();
    sdk.whenSettled(() -> serial.execute(() -> {
      routing.callerIp();
      SdkApis apis = sdk.apisIfReady();
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
    }));
  }

  /** An executor that runs its tasks one at a time on the discovery pool; one per resolver. */
  synchronized Executor newSerialExecutor() {
    if (pool == null) {
      pool = DaemonScheduler.pool("polaris-agent-discovery", agentLoader, DISCOVERY_THREADS);
    }
    return new SerialExecutor(pool, timer());
  }

  /** One timer thread for every Polaris channel of this gRPC: it only hands work to serial executors. */
  synchronized ScheduledExecutorService timer() {
    if (timer == null) {
      timer = DaemonScheduler.create("polaris-agent-discovery-timer", agentLoader);
    }
    return timer;
  }
}
