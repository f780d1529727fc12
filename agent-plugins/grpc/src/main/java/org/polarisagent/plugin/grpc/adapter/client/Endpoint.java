package org.polarisagent.plugin.grpc.adapter.client;

import static io.grpc.ConnectivityState.IDLE;

import com.tencent.polaris.api.pojo.Instance;
import io.grpc.ConnectivityStateInfo;
import io.grpc.LoadBalancer.Subchannel;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.plugin.grpc.balance.ConsistentTable;

/**
 * One instance a Polaris balancer connects to, and its subchannel. Mutated only in the channel's
 * synchronization context.
 */
final class Endpoint {
  final Subchannel subchannel;
  volatile Instance instance;
  ConnectivityStateInfo state = ConnectivityStateInfo.forNonError(IDLE);

  /** Whether the first connection attempt has ended (READY or failed). */
  boolean attempted;

  /** Whether the resolution's routing leaves this instance out of every call. */
  boolean routedAway;

  /** The instance held in the metrics, and its destination; null if none is held. */
  final Instance heldInstance;

  /** What hash policies and subsetting know the instance by ({@link #idOf}). */
  final String hashId;

  /** The destination whose series {@link #hold} holds; null if none. */
  private PolarisTarget metered;

  Endpoint(Subchannel subchannel, Instance instance, List<SocketAddress> addresses) {
    this.subchannel = subchannel;
    this.instance = instance;
    this.heldInstance = instance;
    this.hashId = idOf(instance, addresses);
  }

  /**
   * {@code host:port} of an instance (its addresses without one), which also keeps an endpoint
   * across resolutions.
   */
  static String idOf(Instance instance, List<SocketAddress> addresses) {
    return instance == null ? String.valueOf(addresses) : address(instance);
  }

  /** An instance as metrics and logs name it: {@code host:port}. */
  static String address(Instance instance) {
    return instance.getHost() + ":" + instance.getPort();
  }

  /** With metrics on, keeps the instance's series of this destination while the endpoint lives. */
  void hold(AgentMetrics metrics, PolarisTarget target) {
    if (metrics != null && target != null && instance != null) {
      metered = target;
      metrics.holdInstance(target.namespace(), target.service(), address(instance));
    }
  }

  /** Lets the series go when the balancer drops the endpoint, unless another channel has them. */
  void release(AgentMetrics metrics) {
    if (metered != null) {
      metrics.releaseInstance(metered.namespace(), metered.service(), address(heldInstance));
      metered = null;
    }
  }

  /**
   * The hash policy's table over every endpoint calls may use, connected or not (those of weight
   * above 0, unless none has): {@code previous} while they and their weights stay the same.
   */
  static ConsistentTable table(
      String policy, Collection<Endpoint> endpoints, ConsistentTable previous) {
    List<Endpoint> usable = new ArrayList<>(endpoints.size());
    for (Endpoint endpoint : endpoints) {
      if (!endpoint.routedAway
          && (endpoint.instance == null || endpoint.instance.getWeight() > 0)) {
        usable.add(endpoint);
      }
    }
    if (usable.isEmpty()) {
      for (Endpoint endpoint : endpoints) {
        if (!endpoint.routedAway) {
          usable.add(endpoint);
        }
      }
    }
    int[] weights = new int[usable.size()];
    String[] ids = new String[usable.size()];
    for (int i = 0; i < ids.length; i++) {
      Instance instance = usable.get(i).instance;
      weights[i] = instance == null ? 100 : instance.getWeight();
      ids[i] = usable.get(i).hashId;
    }
    return ConsistentTable.of(policy, weights, ids, previous);
  }
}
