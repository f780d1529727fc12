package org.polarisagent.plugin.grpc.adapter.server;

import com.tencent.polaris.api.core.ProviderAPI;
import com.tencent.polaris.api.exception.PolarisException;
import com.tencent.polaris.api.exception.ServerCodes;
import com.tencent.polaris.api.plugin.server.InterfaceDescriptor;
import com.tencent.polaris.api.plugin.server.ReportServiceContractRequest;
import com.tencent.polaris.api.rpc.CommonProviderBaseEntity;
import com.tencent.polaris.api.rpc.InstanceDeregisterRequest;
import com.tencent.polaris.api.rpc.InstanceHeartbeatRequest;
import com.tencent.polaris.api.rpc.InstanceRegisterRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.core.sdk.PolarisRefusal;
import org.polarisagent.core.sdk.PolarisSdk;
import org.polarisagent.core.sdk.SdkApis;
import org.polarisagent.plugin.grpc.PolarisTarget;

/**
 * Registers instances through the Polaris SDK's {@link ProviderAPI} and heartbeats them with {@link
 * Heartbeats} until they are deregistered. Thread-safe.
 */
final class PolarisRegistrar implements Registrar {

  private final PolarisSdk sdk;
  private final ProviderSettings settings;
  private final AgentMetrics metrics;

  /** The instances registered and not deregistered since, with their last registration. */
  private final Map<InstanceSpec, InstanceRegisterRequest> registered = new ConcurrentHashMap<>();

  private final Heartbeats heartbeats;

  /**
   * Held while an instance is (re-)registered, so that a re-registration never sends a stale one.
   */
  private final Object registering = new Object();

  /** How long a contract report may take; it runs on the thread that registers every server. */
  static final long CONTRACT_TIMEOUT_MILLIS = 2_000;

  /** The methods reported per {@code namespace/service}, across this JVM's servers. */
  private final Map<String, Set<String>> reportedMethods = new HashMap<>();

  /**
   * @param metrics where registration states are shown; null when metrics are off
   */
  PolarisRegistrar(
      PolarisSdk sdk, ProviderSettings settings, AgentMetrics metrics, Scheduler beatScheduler) {
    this.sdk = sdk;
    this.settings = settings;
    this.metrics = metrics;
    this.heartbeats =
        new Heartbeats(beatScheduler, Clock.SYSTEM, settings.ttlSeconds * 1000L, new SdkBeat());
  }

  @Override
  public String unavailableReason() {
    return sdk.unavailableReason();
  }

  @Override
  public boolean awaitReady(long timeoutMillis) {
    return sdk.awaitApis(timeoutMillis) != null;
  }

  @Override
  public String register(InstanceSpec instance, boolean inRotation) {
    InstanceRegisterRequest request = new InstanceRegisterRequest();
    identify(request, instance);
    request.setProtocol(PolarisTarget.PROTOCOL);
    if (!settings.version.isEmpty()) {
      request.setVersion(settings.version);
    }
    request.setWeight(inRotation ? settings.weight : 0);
    request.setTtl(settings.ttlSeconds);
    request.setMetadata(new LinkedHashMap<>(settings.metadata));
    if (!settings.region.isEmpty()) {
      request.setRegion(settings.region);
    }
    if (!settings.zone.isEmpty()) {
      request.setZone(settings.zone);
    }
    if (!settings.campus.isEmpty()) {
      request.setCampus(settings.campus);
    }
    if (!registered.containsKey(instance)) {
      showRegistered(
          instance, false); // pending; an update of its weight leaves it shown registered
    }
    String id;
    synchronized (registering) {
      id = provider().register(request).getInstanceId();
      request.setInstanceId(id);
      registered.put(instance, request);
    }
    heartbeats.start(instance);
    showRegistered(instance, true);
    return id;
  }

  private void showRegistered(InstanceSpec instance, boolean registered) {
    if (metrics != null) {
      metrics.registered(
          instance.namespace, instance.service, instance.host + ":" + instance.port, registered);
    }
  }

  /** Polaris answers 401xxx when a token is missing, unknown or lacks the permission. */
  @Override
  public String refusal(Throwable failure) {
    return PolarisRefusal.reason(failure);
  }

  /**
   * One interface per method: named after its gRPC service, the method's name as method, its {@code
   * /pkg.Service/Method} path as path (the form Polaris rules use). Polaris replaces a contract's
   * interfaces with each report, so the methods of every server of this JVM that registers as the
   * service are reported together. Bounded by {@link #CONTRACT_TIMEOUT_MILLIS}.
   */
  @Override
  public void reportContract(ServiceContract contract) {
    Set<String> methods;
    synchronized (reportedMethods) {
      String key = contract.namespace + "/" + contract.service;
      Set<String> known = reportedMethods.get(key);
      if (known == null) {
        known = new LinkedHashSet<>();
        reportedMethods.put(key, known);
      }
      known.addAll(contract.methods);
      methods = new LinkedHashSet<>(known);
    }
    ReportServiceContractRequest request = new ReportServiceContractRequest();
    request.setNamespace(contract.namespace);
    request.setService(contract.service);
    request.setName(contract.service);
    request.setProtocol(PolarisTarget.PROTOCOL);
    request.setVersion(settings.version);
    request.setTimeoutMs(CONTRACT_TIMEOUT_MILLIS);
    List<InterfaceDescriptor> interfaces = new ArrayList<>();
    StringBuilder content = new StringBuilder();
    for (String method : methods) {
      InterfaceDescriptor descriptor = new InterfaceDescriptor();
      descriptor.setName(ServiceContract.grpcServiceOf(method));
      descriptor.setMethod(ServiceContract.methodOf(method));
      descriptor.setPath("/" + method);
      interfaces.add(descriptor);
      content.append('/').append(method).append('\n');
    }
    request.setInterfaceDescriptors(interfaces);
    request.setContent(content.toString());
    provider().reportServiceContract(request);
  }

  @Override
  public void deregister(InstanceSpec instance, String instanceId) {
    InstanceDeregisterRequest request = new InstanceDeregisterRequest();
    identify(request, instance);
    if (instanceId != null && !instanceId.isEmpty()) {
      request.setInstanceID(instanceId);
    }
    heartbeats.stop(instance);
    registered.remove(instance);
    if (metrics != null) {
      metrics.deregistered(
          instance.namespace, instance.service, instance.host + ":" + instance.port);
    }
    provider().deRegister(request);
  }

  private void identify(CommonProviderBaseEntity request, InstanceSpec instance) {
    request.setNamespace(instance.namespace);
    request.setService(instance.service);
    request.setHost(instance.host);
    request.setPort(instance.port);
    if (!settings.token.isEmpty()) {
      request.setToken(settings.token);
    }
  }

  /** A heartbeat and a re-registration as the SDK's own loop would send them. */
  private final class SdkBeat implements Heartbeats.Beat {

    /** Does nothing once the SDK is closing (the JVM exits): the instance is on its way out. */
    @Override
    public void beat(InstanceSpec instance) {
      InstanceRegisterRequest registration = registered.get(instance);
      SdkApis apis = sdk.apisIfReady();
      if (registration == null || apis == null) {
        return;
      }
      InstanceHeartbeatRequest request = new InstanceHeartbeatRequest();
      identify(request, instance);
      request.setInstanceID(registration.getInstanceId());
      apis.provider().heartbeat(request);
    }

    @Override
    public void reRegister(InstanceSpec instance) {
      synchronized (registering) {
        InstanceRegisterRequest registration = registered.get(instance);
        if (registration != null) {
          provider().register(registration);
        }
      }
    }

    @Override
    public boolean notFound(Throwable failure) {
      return serverCode(failure) == ServerCodes.NOT_FOUND_RESOURCE;
    }

    /** Polaris's 4xxxxx codes: the request was wrong (e.g. its token), not the moment. */
    @Override
    public boolean refused(Throwable failure) {
      int code = serverCode(failure);
      return code >= 400_000 && code < 500_000 && code != ServerCodes.NOT_FOUND_RESOURCE;
    }

    @Override
    public String describe(Throwable failure) {
      String refusal = PolarisRefusal.reason(failure);
      return refusal != null ? refusal : failure.toString();
    }

    private int serverCode(Throwable failure) {
      return failure instanceof PolarisException
          ? ((PolarisException) failure).getServerErrCode()
          : 0;
    }
  }

  private ProviderAPI provider() {
    SdkApis apis = sdk.apisIfReady();
    if (apis == null) {
      String reason = sdk.unavailableReason();
      throw new IllegalStateException(reason != null ? reason : "the Polaris SDK is not running");
    }
    return apis.provider();
  }
}
