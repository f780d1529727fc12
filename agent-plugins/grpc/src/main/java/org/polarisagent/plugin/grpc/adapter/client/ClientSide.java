package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.ServiceKey;
import com.tencent.polaris.api.rpc.GetAllInstancesRequest;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.sdk.PolarisSdk;
import org.polarisagent.core.sdk.SdkApis;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.plugin.grpc.balance.Subsetting;

/**
 * The client side of one application's gRPC: what its Polaris resolvers and balancers share. Owns
 * their {@link ClientSettings}, {@link CallRouting}, {@link OutcomeQueue} and {@link
 * DiscoveryThreads}, gives them the SDK (without waiting for it) and prefetches the services of new
 * Polaris channels. Nothing here blocks the thread that creates it. Thread-safe.
 */
public final class ClientSide {

  /** Targets prefetched at most; beyond, resolvers load their service themselves. */
  private static final int MAX_PREFETCHED = 1000;

  private final PolarisSdk sdk;
  private final ClientSettings settings;
  private final CallRouting routing;
  private final ServiceKey callerKey;
  private final OutcomeQueue outcomes;
  private final DiscoveryThreads threads;
  private final Subsetting subsetting;
  private final AgentMetrics metrics;
  private final ServiceDirectory directoryOverride;
  private volatile ServiceDirectory directory;
  private final Set<String> prefetched =
      Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());
  private volatile boolean routingFailureLogged;

  public ClientSide(AgentContext context) {
    this(context, null);
  }

  /** With a directory that replaces the SDK's, whatever the SDK's state; for tests. */
  ClientSide(AgentContext context, ServiceDirectory directoryOverride) {
    this.directoryOverride = directoryOverride;
    this.sdk = context.sdk();
    this.metrics = context.metrics();
    this.settings = new ClientSettings(context.config());
    this.routing = new CallRouting(context.config());
    // The SDK needs a caller for circuit breaking: the same key in reports and in routing.
    this.callerKey = routing.callerKey();
    this.outcomes =
        new OutcomeQueue(
            this, context.agentLoader(), metrics == null ? null : metrics.outcomesDropped());
    this.threads = new DiscoveryThreads(context.agentLoader(), context.sdk().timer());
    this.subsetting = new Subsetting(settings.subsetSize());
  }

  ClientSettings settings() {
    return settings;
  }

  /** The metrics, or null when they are off. */
  AgentMetrics metrics() {
    return metrics;
  }

  OutcomeQueue outcomes() {
    return outcomes;
  }

  CallRouting routing() {
    return routing;
  }

  DiscoveryThreads threads() {
    return threads;
  }

  /** Which instances each channel connects to. */
  Subsetting subsetting() {
    return subsetting;
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
        current = new SdkServiceDirectory(apis, routing, settings.circuitBreakerEnabled());
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
    return reason != null
        ? reason
        : "the Polaris SDK has not started within " + PolarisSdk.STARTUP_WAIT_MILLIS + " ms";
  }

  /**
   * Starts loading a target's instances into the SDK's cache in the background, once per service,
   * and what routing needs to know about this application; a malformed target is left to the
   * resolver to report.
   */
  public void prefetch(String polarisTarget) {
    final PolarisTarget target;
    try {
      target = PolarisTarget.parse(polarisTarget, settings.defaultNamespace());
    } catch (IllegalArgumentException invalid) {
      return;
    }
    String key = target.namespace() + '/' + target.service();
    if (prefetched.size() >= MAX_PREFETCHED || !prefetched.add(key)) {
      return; // once per service: an app that makes a channel per call must not load the pool
    }
    final Executor serial = threads.newSerialExecutor();
    sdk.whenSettled(
        () ->
            serial.execute(
                () -> {
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
}
