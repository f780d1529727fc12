package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.plugin.circuitbreaker.ResourceStat;
import com.tencent.polaris.api.plugin.circuitbreaker.entity.InstanceResource;
import com.tencent.polaris.api.plugin.circuitbreaker.entity.MethodResource;
import com.tencent.polaris.api.plugin.circuitbreaker.entity.Resource;
import com.tencent.polaris.api.pojo.Instance;
import com.tencent.polaris.api.pojo.RetStatus;
import com.tencent.polaris.api.pojo.ServiceKey;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.sdk.SdkApis;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.plugin.grpc.adapter.CallerMetadata;

/**
 * Reports the outcome of every call (failure or success, and latency) and of every failed
 * connection to the Polaris circuit breaker, per instance and per method, and puts the caller's
 * identity in each call's headers.
 *
 * <p>Calls only queue their outcome ({@link OutcomeQueue}); what follows a report (noticing that an
 * instance's breaker opened or closed) runs on the queue's thread. Thread-safe.
 */
final class OutcomeReporter {

  /** Reported for failures: the SDK counts -1 as a failure under any rule. */
  static final int FAILURE_CODE = -1;

  private final ClientSide client;
  private final ServiceKey caller;
  private final boolean enabled;
  private final Runnable onBreakerChange;
  private final java.util.concurrent.ConcurrentMap<String, MethodResource> methodResources =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Instances last seen with an open breaker; used by the queue's thread only. */
  private final java.util.Set<Resource> openInstances = new java.util.HashSet<>();

  /**
   * @param onBreakerChange run (on the reporting thread) when an instance's breaker is found to
   *     have opened or to let calls through again
   */
  OutcomeReporter(ClientSide client, Runnable onBreakerChange) {
    this.client = client;
    this.onBreakerChange = onBreakerChange;
    this.caller = client.callerKey();
    this.enabled = client.settings().circuitBreakerEnabled();
  }

  /**
   * The tracer factory of calls to one instance and method; created once, reused for every such
   * call.
   *
   * @param reportMethod whether the method's outcome matters: only when the service has
   *     method-level rules
   */
  ClientStreamTracer.Factory tracerFactory(
      PolarisTarget target, Instance instance, String method, boolean reportMethod) {
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
    return new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(
          ClientStreamTracer.StreamInfo info, Metadata headers) {
        if (!caller.getService().isEmpty()) {
          CallerMetadata.put(headers, CallerMetadata.SERVICE, caller.getService());
          CallerMetadata.put(headers, CallerMetadata.NAMESPACE, caller.getNamespace());
        }
        return enabled ? new OutcomeTracer(instanceResource, methodResource) : NOOP_TRACER;
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
    if (stat.getResource() instanceof InstanceResource) {
      noticeBreakerChange(sdk, stat);
    }
  }

  /**
   * After a failure, or a success of an instance known broken, checks whether its breaker changed.
   */
  private void noticeBreakerChange(SdkApis sdk, ResourceStat stat) {
    Resource resource = stat.getResource();
    boolean knownOpen = openInstances.contains(resource);
    if (stat.getRetCode() != FAILURE_CODE && !knownOpen) {
      return;
    }
    boolean open = !sdk.circuitBreak().check(resource).isPass();
    if (open != knownOpen) {
      if (open) {
        openInstances.add(resource);
      } else {
        openInstances.remove(resource);
      }
      onBreakerChange.run();
    }
  }

  private static final ClientStreamTracer NOOP_TRACER = new ClientStreamTracer() {};

  /** Times one call and queues how it ended. */
  private final class OutcomeTracer extends ClientStreamTracer {
    private final InstanceResource instanceResource;
    private final MethodResource methodResource;
    private final long startNanos = System.nanoTime();

    OutcomeTracer(InstanceResource instanceResource, MethodResource methodResource) {
      this.instanceResource = instanceResource;
      this.methodResource = methodResource;
    }

    @Override
    public void streamClosed(Status status) {
      int code = client.settings().isFailure(status.getCode()) ? FAILURE_CODE : 0;
      long delayMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
      offer(instanceResource, code, delayMillis);
      offer(methodResource, code, delayMillis);
    }
  }
}
