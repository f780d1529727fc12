package org.polarisagent.core.metrics;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the agent counts when metrics are on ({@code polaris.metrics.port}): every metric, its
 * labels and meaning, and the text a scrape returns. Exists only then: the agent's parts get none
 * when metrics are off and wire no counting at all. Thread-safe.
 */
public final class AgentMetrics {

  /** The states {@code polaris_agent_sdk_state} distinguishes. */
  public static final List<String> SDK_STATES =
      Arrays.asList("not_started", "starting", "running", "failed", "closed");

  private final Counter calls;
  private final Histogram latency;
  private final Gauge instances;
  private final Counter breakerChanges;
  private final Counter rateLimited;
  private final Gauge registered;
  private final Gauge sdkState;
  private final Gauge sdkConnections;
  private final LongAdder outcomesDropped;
  private final Counter dropped;
  private final List<MetricFamily<?>> families;
  private volatile SdkState sdk;

  /** Per destination instance (namespace, service, host:port), what holds its series. */
  private final ConcurrentMap<List<String>, InstanceHold> holds = new ConcurrentHashMap<>();

  /** The open channels' instance counts, which {@code polaris_agent_instances} shows. */
  private final Set<ChannelInstances> channels = ConcurrentHashMap.newKeySet();

  /** The gRPC connectivity states {@code polaris_agent_sdk_connection_state} distinguishes. */
  public static final List<String> CONNECTION_STATES =
      Arrays.asList("idle", "connecting", "ready", "transient_failure", "shutdown");

  /** What the SDK is doing; read at each scrape. */
  public interface SdkState {
    /** The SDK's lifecycle state, one of {@link #SDK_STATES}. */
    String state();

    /**
     * The state of each of the SDK's connections to the Polaris server, one of {@link
     * #CONNECTION_STATES}, by purpose; empty while the SDK does not run.
     */
    Map<String, String> connections();
  }

  /**
   * @param maxSeries the most series each metric keeps (see {@link MetricFamily})
   */
  public AgentMetrics(int maxSeries) {
    calls =
        new Counter(
            "polaris_agent_calls_total",
            "Calls (attempts) of Polaris channels that ended, by destination, instance (host:port;"
                + " empty when the call failed before reaching one), gRPC method and status code.",
            maxSeries,
            "dest_namespace",
            "dest_service",
            "dest_instance",
            "method",
            "code");
    latency =
        new Histogram(
            "polaris_agent_call_duration_seconds",
            "Time from the start of a call (attempt) on an instance to its end.",
            maxSeries,
            "dest_namespace",
            "dest_service",
            "method");
    instances =
        new Gauge(
            "polaris_agent_instances",
            "Instances of the service a Polaris channel last got from Polaris (healthy, not"
                + " isolated).",
            maxSeries,
            "dest_namespace",
            "dest_service");
    breakerChanges =
        new Counter(
            "polaris_agent_circuit_breaker_changes_total",
            "Times a circuit breaker was found to have opened (state=open) or to let calls"
                + " through again (state=closed): an instance's (dest_instance set), a method's"
                + " (method set) or the service's (neither set).",
            maxSeries,
            "dest_namespace",
            "dest_service",
            "dest_instance",
            "method",
            "state");
    rateLimited =
        new Counter(
            "polaris_agent_ratelimit_rejections_total",
            "Calls to this application's servers rejected with RESOURCE_EXHAUSTED by a Polaris"
                + " rate-limit rule.",
            maxSeries,
            "polaris_namespace",
            "polaris_service",
            "rule");
    registered =
        new Gauge(
            "polaris_agent_instance_registered",
            "1 while an instance of this application's servers is registered in Polaris, 0 before"
                + " (registration pending or retried) and after it is deregistered.",
            maxSeries,
            "polaris_namespace",
            "polaris_service",
            "polaris_instance");
    sdkState =
        new Gauge(
            "polaris_agent_sdk_state",
            "1 for the state the Polaris SDK is in, 0 for the others.",
            SDK_STATES.size(),
            "state");
    sdkConnections =
        new Gauge(
            "polaris_agent_sdk_connection_state",
            "1 for the state each of the Polaris SDK's connections to the Polaris server is in"
                + " (by purpose: service_discover, health_check, ...), 0 for the others.",
            maxSeries,
            "purpose",
            "state");
    dropped =
        new Counter(
            "polaris_agent_outcomes_dropped_total",
            "Call outcomes not reported to the circuit breaker because they came faster than the"
                + " SDK took them.",
            1);
    outcomesDropped = dropped.series();
    families =
        Arrays.<MetricFamily<?>>asList(
            calls,
            latency,
            instances,
            breakerChanges,
            rateLimited,
            registered,
            sdkState,
            sdkConnections,
            dropped);
  }

  /**
   * The counting of calls to one instance (empty: none) and method; made once, kept. Calls to an
   * instance count only while it is {@linkplain #holdInstance held}.
   */
  public CallSeries calls(String namespace, String service, String instance, String method) {
    InstanceHold hold =
        instance.isEmpty() ? null : holds.get(Arrays.asList(namespace, service, instance));
    return new CallSeries(
        calls,
        latency.series(namespace, service, method),
        hold,
        namespace,
        service,
        instance,
        method);
  }

  /**
   * Keeps the series of a destination instance (its calls and breaker changes): a balancer holds
   * each instance it has, from when it gets it until it drops it. Not for the call path.
   */
  public void holdInstance(String namespace, String service, String instance) {
    holds.compute(
        Arrays.asList(namespace, service, instance),
        (key, hold) -> {
          InstanceHold held = hold == null ? new InstanceHold() : hold;
          held.count++;
          return held;
        });
  }

  /**
   * Drops one hold of {@link #holdInstance}; with the last one, the instance's series go, and calls
   * still made on it (in flight meanwhile) make none again.
   */
  public void releaseInstance(String namespace, String service, String instance) {
    holds.computeIfPresent(
        Arrays.asList(namespace, service, instance),
        (key, hold) -> {
          if (--hold.count > 0) {
            return hold;
          }
          hold.released = true;
          calls.remove(labels -> labels.subList(0, 3).equals(key));
          breakerChanges.remove(labels -> labels.subList(0, 3).equals(key));
          return null;
        });
  }

  /** How many balancers hold an instance; changed only in {@link #holds}' compute functions. */
  static final class InstanceHold {
    int count;
    volatile boolean released;
  }

  /**
   * Where one channel to a service shows how many instances it last got; {@link
   * ChannelInstances#close() closed} when the channel shuts down. The metric shows, per service,
   * the most any open channel to it has (channels to one service normally agree; one still starting
   * has fewer); with no channel left, the service's series goes.
   */
  public ChannelInstances channelInstances(String namespace, String service) {
    ChannelInstances channel = new ChannelInstances(namespace, service);
    channels.add(channel);
    return channel;
  }

  /** The instances one channel to a service last got. */
  public final class ChannelInstances {
    private final List<String> labels;
    private volatile int count;

    ChannelInstances(String namespace, String service) {
      labels = Arrays.asList(namespace, service);
    }

    /** Sets how many instances the channel has now. */
    public void set(int instances) {
      count = instances;
    }

    /** The channel shut down: it shows nothing any more. */
    public void close() {
      channels.remove(this);
    }
  }

  /** Sets the instances metric from the open channels, as {@link #channelInstances} says. */
  private void showInstances() {
    Map<List<String>, Integer> most = new HashMap<>();
    for (ChannelInstances channel : channels) {
      most.merge(channel.labels, channel.count, Math::max);
    }
    instances.remove(labels -> !most.containsKey(labels));
    for (Map.Entry<List<String>, Integer> entry : most.entrySet()) {
      instances.set(entry.getValue(), entry.getKey().get(0), entry.getKey().get(1));
    }
  }

  /**
   * A circuit breaker was found open, or letting calls through again: an instance's ({@code
   * instance} host:port, {@code method} empty), counted only while the instance is {@linkplain
   * #holdInstance held}; a method's ({@code method} its gRPC path, {@code instance} empty); or the
   * service's (both empty).
   */
  public void breakerChanged(
      String namespace, String service, String instance, String method, boolean open) {
    if (instance.isEmpty() || holds.containsKey(Arrays.asList(namespace, service, instance))) {
      breakerChanges
          .series(namespace, service, instance, method, open ? "open" : "closed")
          .increment();
    }
  }

  /** The count of calls a rate-limit rule rejected; keep it rather than look it up per call. */
  public LongAdder rateLimitRejections(String namespace, String service, String rule) {
    return rateLimited.series(namespace, service, rule);
  }

  /** An instance of this application was registered (true) or is being registered (false). */
  public void registered(String namespace, String service, String instance, boolean isRegistered) {
    registered.set(isRegistered ? 1 : 0, namespace, service, instance);
  }

  /** An instance of this application is deregistered: its series goes. */
  public void deregistered(String namespace, String service, String instance) {
    List<String> labels = Arrays.asList(namespace, service, instance);
    registered.remove(labels::equals);
  }

  /** The count of dropped outcomes; kept by the queue that drops them. */
  public LongAdder outcomesDropped() {
    return outcomesDropped;
  }

  /** Where the SDK's state is read at each scrape. */
  public void watchSdk(SdkState state) {
    sdk = state;
  }

  private void showConnections(Map<String, String> states) {
    sdkConnections.remove(labels -> !states.containsKey(labels.get(0)));
    for (Map.Entry<String, String> connection : states.entrySet()) {
      for (String each : CONNECTION_STATES) {
        sdkConnections.set(each.equals(connection.getValue()) ? 1 : 0, connection.getKey(), each);
      }
    }
  }

  /** Every metric in the text exposition format; one scrape at a time. */
  public String scrape() {
    SdkState current = sdk;
    if (current != null) {
      String state = current.state();
      for (String each : SDK_STATES) {
        sdkState.set(each.equals(state) ? 1 : 0, each);
      }
      showConnections(current.connections());
    }
    showInstances();
    ExpositionWriter out = new ExpositionWriter();
    for (MetricFamily<?> family : families) {
      family.write(out);
    }
    return out.text();
  }
}
