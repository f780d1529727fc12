package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.Instance;
import io.grpc.EquivalentAddressGroup;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.plugin.grpc.balance.Subsetting;

/**
 * Which instances of a resolution one channel connects to: all of them, or with {@code
 * polaris.loadbalancer.subset-size} its {@link Subsetting subset} of those the routing allows (so
 * that an instance whose circuit breaker opens is replaced by the next one; one whose connection
 * failed is passed over and kept). While routing rules apply, which choose per call, the channel
 * connects to all, said once per channel. One per balancer; confined to its synchronization
 * context.
 */
final class ConnectedInstances {

  private final Subsetting subsetting;

  /** The channel's place on the subsetting circle; NaN until its first subset. */
  private double place = Double.NaN;

  private boolean perCallSaid;

  ConnectedInstances(Subsetting subsetting) {
    this.subsetting = subsetting;
  }

  /**
   * @param failing whether the instance at some addresses is known to be unreachable: the subset
   *     goes on past it (and keeps it, to take it back when it is reachable again)
   */
  List<EquivalentAddressGroup> choose(
      List<EquivalentAddressGroup> resolved,
      RoutePlan plan,
      PolarisTarget target,
      Predicate<List<SocketAddress>> failing) {
    if (!subsetting.isOn() || resolved.size() <= subsetting.size() || target == null) {
      return resolved;
    }
    if (plan.isPerCall()) {
      if (!perCallSaid) {
        perCallSaid = true;
        AgentLog.info(
            AgentConfig.LOAD_BALANCER_SUBSET_SIZE.name()
                + " does not apply to service "
                + target.service()
                + " in namespace "
                + target.namespace()
                + " while routing rules apply to it (they choose per call): the channel connects"
                + " to all "
                + resolved.size()
                + " instances");
      }
      return resolved;
    }
    List<EquivalentAddressGroup> allowed = new ArrayList<>(resolved.size());
    for (EquivalentAddressGroup group : resolved) {
      Instance instance = group.getAttributes().get(PolarisAttributes.INSTANCE);
      if (instance == null || plan.allows(instance.getId())) {
        allowed.add(group);
      }
    }
    if (allowed.isEmpty()) {
      allowed = resolved; // none allowed: a subset of them, to say why calls fail
    }
    if (allowed.size() <= subsetting.size()) {
      return allowed;
    }
    if (Double.isNaN(place)) {
      place =
          subsetting.placeOfNewChannel(target.namespace() + '/' + target.service(), allowed.size());
    }
    String[] ids = new String[allowed.size()];
    boolean[] failed = new boolean[ids.length];
    for (int i = 0; i < ids.length; i++) {
      EquivalentAddressGroup group = allowed.get(i);
      Instance instance = group.getAttributes().get(PolarisAttributes.INSTANCE);
      ids[i] = Endpoint.idOf(instance, group.getAddresses());
      failed[i] = failing.test(group.getAddresses());
    }
    List<EquivalentAddressGroup> subset = new ArrayList<>(subsetting.size());
    for (int index : subsetting.choose(ids, place, failed)) {
      subset.add(allowed.get(index));
    }
    return subset;
  }
}
