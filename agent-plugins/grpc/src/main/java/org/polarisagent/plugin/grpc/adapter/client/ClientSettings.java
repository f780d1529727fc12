package org.polarisagent.plugin.grpc.adapter.client;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.EnumSet;
import java.util.Set;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.plugin.grpc.balance.WarmUp;

/**
 * The consumer-side part of the agent configuration, read once, as this gRPC's types. Immutable.
 */
final class ClientSettings {

  private final String defaultNamespace;
  private final String loadBalancer;
  private final Metadata.Key<String> hashHeader;
  private final WarmUp warmUp;
  private final int subsetSize;
  private final boolean circuitBreakerEnabled;
  private final Set<Status.Code> failureCodes = EnumSet.noneOf(Status.Code.class);

  ClientSettings(AgentConfig config) {
    this.defaultNamespace = config.get(AgentConfig.NAMESPACE);
    this.loadBalancer = config.get(AgentConfig.LOAD_BALANCER);
    this.hashHeader = headerKey(config.get(AgentConfig.LOAD_BALANCER_HASH_HEADER));
    this.warmUp = warmUp(loadBalancer, config.get(AgentConfig.LOAD_BALANCER_WARMUP));
    this.subsetSize = config.get(AgentConfig.LOAD_BALANCER_SUBSET_SIZE);
    this.circuitBreakerEnabled = config.get(AgentConfig.CIRCUIT_BREAKER_ENABLED);
    for (String code : config.get(AgentConfig.CIRCUIT_BREAKER_FAILURE_CODES)) {
      failureCodes.add(Status.Code.valueOf(code));
    }
  }

  /**
   * The configuration validated the name; a gRPC that still refuses it gets no hash header, said
   * once.
   */
  private static Metadata.Key<String> headerKey(String name) {
    if (name.isEmpty()) {
      return null;
    }
    try {
      return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    } catch (RuntimeException invalid) {
      AgentLog.error(
          "invalid "
              + AgentConfig.LOAD_BALANCER_HASH_HEADER.name()
              + " '"
              + name
              + "': "
              + invalid.getMessage()
              + "; calls are balanced without a hash key");
      return null;
    }
  }

  /** Hash policies keep a key on its instance: they get no warm-up, said once. */
  private static WarmUp warmUp(String policy, long windowMillis) {
    if (windowMillis > 0 && (policy.equals("ring_hash") || policy.equals("maglev"))) {
      AgentLog.info(
          AgentConfig.LOAD_BALANCER_WARMUP.name()
              + " does not apply to "
              + policy
              + ": new instances get their share of the keys at once");
      return WarmUp.OFF;
    }
    return new WarmUp(windowMillis);
  }

  /** The namespace of targets that name none. */
  String defaultNamespace() {
    return defaultNamespace;
  }

  /** {@code polaris.loadbalancer}: how a call picks among the instances. */
  String loadBalancer() {
    return loadBalancer;
  }

  /** The request header whose value is the hash key, or null. */
  Metadata.Key<String> hashHeader() {
    return hashHeader;
  }

  /**
   * {@code polaris.loadbalancer.warmup}: the slow start of new instances; off for hash policies.
   */
  WarmUp warmUp() {
    return warmUp;
  }

  /** {@code polaris.loadbalancer.subset-size}: how many instances a channel connects to; 0: all. */
  int subsetSize() {
    return subsetSize;
  }

  boolean circuitBreakerEnabled() {
    return circuitBreakerEnabled;
  }

  /** Whether a call that ended with this code counts as a failure for circuit breaking. */
  boolean isFailure(Status.Code code) {
    return failureCodes.contains(code);
  }
}
