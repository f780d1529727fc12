package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.Instance;
import java.util.List;
import org.polarisagent.plugin.grpc.PolarisTarget;

/**
 * What a resolver learns from Polaris about one service. Implemented over the SDK ({@link
 * SdkServiceDirectory}); calls may block, so resolvers make them on the discovery pool.
 */
interface ServiceDirectory {

  /**
   * The service's healthy, non-isolated gRPC instances, sorted; null while the server has not
   * answered.
   */
  List<Instance> instances(PolarisTarget target);

  /**
   * How calls to these instances are routed: once for all calls, or per call when rules look at
   * calls.
   */
  RoutePlan routePlan(PolarisTarget target, List<Instance> instances);

  /**
   * Runs {@code onChange} (which must not block) whenever the service's instances change, until the
   * returned handle is run.
   */
  Runnable watch(PolarisTarget target, Runnable onChange);
}
