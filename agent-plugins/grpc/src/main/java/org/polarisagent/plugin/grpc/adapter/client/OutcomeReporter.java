package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.plugin.circuitbreaker.ResourceStat;
import com.tencent.polaris.api.plugin.circuitbreaker.entity.InstanceResource;
import com.tencent.polaris.api.plugin.circuitbreaker.entity.MethodResource;
import com.tencent.polaris.api.plugin.circuitbreaker.entity.Resource;
import com.tencent.polaris.api.plugin.circuitbreaker.entity.ServiceResource;
import com.tencent.polaris.api.pojo.Instance;
import com.tencent.polaris.api.pojo.RetStatus;
import com.tencent.polaris.api.pojo.ServiceKey;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.core.metrics.CallSeries;
import org.polarisagent.core.sdk.SdkApis;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.plugin.grpc.adapter.CallerMetadata;

/**
 * Reports the outcome of every call (failure or success, and latency) and of every failed
 * connection to the Polaris circuit breaker, per instance, per method and per service (the last two
 * only when the service has rules of that level), and puts the caller's identity in each call's
 * headers.
 *
 * <p>Calls only queue their outcome ({@link OutcomeQueue}); what follows a report (noticing that an
 * instance's breaker opened or closed) runs on the queue's thread. Thread-safe.
 */
final class OutcomeReporter {

  /**
   * Reported for failures: -1 meets every return-code condition of every rule (the agent's
   * RetCodeConditions, which the SDK's circuit breaker calls).
   */
  static final int FAILURE_CODE = -1;

  private final ClientSide client;
  private final ServiceKey caller;
  private final boolean enabled;
  private final Runnable onBreakerChange;

  /** Null when metrics are off: then calls count nothing. */
  private final AgentMetrics metrics;

  /** Per destination and method, the count of calls that failed before reaching an instance. */
  private final java.util.concurrent.ConcurrentMap<String, CallSeries> pickFailures =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final java.util.concurrent.ConcurrentMap<String, MethodResource> methodResources =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The destination service's resource; replaced if the channel's target changes. */
  private volatile ServiceResource serviceResource;

  /** Resources last seen with an open breaker; used by the queue's thread only. */
  private final java.util.Set<Resource> openResources = new java.util.HashSet<>();

  /**
   * @param onBreakerChange run (on the reporting thread) when a breaker is found to have opened or
   *     to let calls through again: the resolver routes again (an instance's) and a new picker goes
   *     out (a held wait-for-ready call to a broken method or service then fails)
   */
  OutcomeReporter(ClientSide client, Runnable onBreakerChange) {
    this.client = client;
    this.onBreakerChange = onBreakerChange;
    this.caller = client.callerKey();
    this.enabled = client.settings().circuitBreakerEnabled();
    this.metrics = client.metrics();
  }

  /** Whether calls are counted for metrics. */
  boolean metered() {
    return metrics != null;
  }

  /**
   * Counts a call that failed before reaching an instance (no instance, breaker open, no route);
   * only when {@link #metered()}.
   */
  void failedBeforeInstance(PolarisTarget target, String method, Status status) {
    String key = target.namespace() + '/' + target.service() + '/' + method;
    CallSeries series = pickFailures.get(key);
    if (series == null) {
      series = metrics.calls(target.namespace(), target.service(), "", "/" + method);
      if (pickFailures.size() < MAX_PICK_FAILURE_SERIES) {
        CallSeries raced = pickFailures.putIfAbsent(key, series);
        series = raced == null ? series : raced;
      }
    }
    series.ended(status.getCode().value(), status.getCode().name(), -1);
  }

  /** Methods whose pick failures keep their series here; beyond, looked up per failure. */
  private static final int MAX_PICK_FAILURE_SERIES = 1000;

  /**
   * The tracer factory of calls to one instance and method; created once, reused for every such
   * call.
   *
   * @param reportMethod whether the method's outcome matters: only when the service has
   *     method-level rules
   * @param reportService whether the outcome counts for the whole service: only when it has
   *     service-level rules
   */
  ClientStreamTracer.Factory tracerFactory(
      PolarisTarget target,
      Instance instance,
      String method,
      boolean reportMethod,
      boolean reportService) {
    ServiceKey destination = new ServiceKey(target.namespace(), target.service());
    final InstanceResource instanceResource =
        instance == null
            ? null
            : new InstanceResource(
                destination,
                instance.getHost(),
                instance.getPort(),
                caller,
                PolarisTarget.PROTOCOL);
    final MethodResource methodResource = reportMethod ? methodResource(target, method) : null;
    final ServiceResource serviceResource = reportService ? serviceResource(target) : null;
    final CallSeries series =
        metrics == null
            ? null
            : metrics.calls(
                target.namespace(),
                target.service(),
                instance == null ? "" : instance.getHost() + ":" + instance.getPort(),
                "/" + method);
    return new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(
          ClientStreamTracer.StreamInfo info, Metadata headers) {
        if (!caller.getService().isEmpty()) {
          CallerMetadata.put(headers, CallerMetadata.SERVICE, caller.getService());
          CallerMetadata.put(headers, CallerMetadata.NAMESPACE, caller.getNamespace());
        }
        if (series != null) {
          return enabled
              ? new OutcomeTracer(instanceResource, methodResource, serviceResource, series)
              : new OutcomeTracer(null, null, null, series);
        }
        return enabled
            ? new OutcomeTracer(instanceResource, methodResource, serviceResource, null)
            : NOOP_TRACER;
      }
    };
  }

  /**
   * The circuit-breaker resource of one method, the same object for reports and checks. Rules name
   * the method by its gRPC path, {@code /package.Service/Method}, as rate-limit rules do.
   */
  MethodResource methodResource(PolarisTarget target, String method) {
    MethodResource resource = methodResources.get(method);
    if (resource == null) {
      ServiceKey destination = new ServiceKey(target.namespace(), target.service());
      String path = "/" + method;
      MethodResource created =
          new MethodResource(destination, PolarisTarget.PROTOCOL, path, path, caller);
      resource = methodResources.putIfAbsent(method, created);
      if (resource == null) {
        resource = created;
      }
    }
    return resource;
  }

  /**
   * The circuit-breaker resource of the destination service as a whole, the same object for reports
   * and checks.
   */
  ServiceResource serviceResource(PolarisTarget target) {
    ServiceResource resource = this.serviceResource;
    if (resource == null
        || !resource.getService().getNamespace().equals(target.namespace())
        || !resource.getService().getService().equals(target.service())) {
      resource = new ServiceResource(new ServiceKey(target.namespace(), target.service()), caller);
      this.serviceResource = resource;
    }
    return resource;
  }

  /** Reports a failed connection to an instance as a failed call to it. */
  void connectionFailed(PolarisTarget target, Instance instance) {
    if (enabled && target != null && instance != null) {
      ServiceKey destination = new ServiceKey(target.namespace(), target.service());
      offer(
          new InstanceResource(
              destination, instance.getHost(), instance.getPort(), caller, PolarisTarget.PROTOCOL),
          FAILURE_CODE,
          0);
    }
  }

  private void offer(Resource resource, int code, long delayMillis) {
    if (resource != null) {
      client
          .outcomes()
          .offer(
              new ResourceStat(
                  resource,
                  code,
                  delayMillis,
                  code == FAILURE_CODE ? RetStatus.RetFail : RetStatus.RetSuccess),
              this);
    }
  }

  /** Called on the queue's thread once the SDK has an outcome. */
  void reported(SdkApis sdk, ResourceStat stat) {
    Resource resource = stat.getResource();
    boolean knownOpen = openResources.contains(resource);
    if (stat.getRetCode() != FAILURE_CODE && !knownOpen) {
      return;
    }
    // After a failure, or a success of a resource known broken: has its breaker changed?
    boolean open = !sdk.circuitBreak().check(resource).isPass();
    if (open == knownOpen) {
      return;
    }
    if (open) {
      openResources.add(resource);
    } else {
      openResources.remove(resource);
    }
    if (metrics != null) {
      ServiceKey service = resource.getService();
      String instance = "";
      String method = "";
      if (resource instanceof InstanceResource) {
        instance =
            ((InstanceResource) resource).getHost() + ":" + ((InstanceResource) resource).getPort();
      } else if (resource instanceof MethodResource) {
        method = ((MethodResource) resource).getMethod();
      }
      metrics.breakerChanged(service.getNamespace(), service.getService(), instance, method, open);
    }
    onBreakerChange.run();
  }

  private static final ClientStreamTracer NOOP_TRACER = new ClientStreamTracer() {};

  /**
   * Times one call and queues how it ended (if it has resources to report), and counts it (if it
   * has a series).
   */
  private final class OutcomeTracer extends ClientStreamTracer {
    private final InstanceResource instanceResource;
    private final MethodResource methodResource;
    private final ServiceResource serviceResource;
    private final CallSeries series;
    private final long startNanos = System.nanoTime();

    OutcomeTracer(
        InstanceResource instanceResource,
        MethodResource methodResource,
        ServiceResource serviceResource,
        CallSeries series) {
      this.instanceResource = instanceResource;
      this.methodResource = methodResource;
      this.serviceResource = serviceResource;
      this.series = series;
    }

    @Override
    public void streamClosed(Status status) {
      long nanos = System.nanoTime() - startNanos;
      if (series != null) {
        series.ended(status.getCode().value(), status.getCode().name(), nanos);
      }
      int code = client.settings().isFailure(status.getCode()) ? FAILURE_CODE : 0;
      long delayMillis = TimeUnit.NANOSECONDS.toMillis(nanos);
      offer(instanceResource, code, delayMillis);
      offer(methodResource, code, delayMillis);
      offer(serviceResource, code, delayMillis);
    }
  }
}
