package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.circuitbreak.api.pojo.CheckResult;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Status;
import org.polarisagent.core.sdk.SdkApis;
import org.polarisagent.plugin.grpc.PolarisTarget;

/**
 * Checks the breakers of a service with method- or service-level rules before the picker it guards
 * (one failing or holding calls): a call to a broken service or method fails at once rather than
 * waiting for an instance, wait-for-ready calls included. The balancing picker makes the same check
 * ({@link #rejection}) itself. Immutable.
 */
final class BreakerGuard extends SubchannelPicker {
  private final SubchannelPicker guarded;
  private final ClientSide client;
  private final OutcomeReporter reporter;
  private final PolarisTarget target;
  private final RoutePlan plan;

  BreakerGuard(
      SubchannelPicker guarded,
      ClientSide client,
      OutcomeReporter reporter,
      PolarisTarget target,
      RoutePlan plan) {
    this.guarded = guarded;
    this.client = client;
    this.reporter = reporter;
    this.target = target;
    this.plan = plan;
  }

  @Override
  public PickResult pickSubchannel(PickSubchannelArgs args) {
    PickResult rejected =
        rejection(client, reporter, target, plan, args.getMethodDescriptor().getFullMethodName());
    return rejected != null ? rejected : guarded.pickSubchannel(args);
  }

  /**
   * An open circuit breaker of the service, or of the method, rejects the call at once, without
   * trying an instance: dropped, so that wait-for-ready calls fail too. Null if the call may go.
   */
  static PickResult rejection(
      ClientSide client,
      OutcomeReporter reporter,
      PolarisTarget target,
      RoutePlan plan,
      String method) {
    SdkApis sdk = client.sdkIfReady();
    if (sdk == null) {
      return null;
    }
    String what = "service ";
    CheckResult check = null;
    try {
      if (plan.checksServiceBreaker()) {
        check = sdk.circuitBreak().check(reporter.serviceResource(target));
      }
      if ((check == null || check.isPass()) && plan.checksMethodBreakers()) {
        what = "method /" + method + " of service ";
        check = sdk.circuitBreak().check(reporter.methodResource(target, method));
      }
    } catch (RuntimeException e) {
      return null; // fail open
    }
    if (check == null || check.isPass()) {
      return null;
    }
    return PickResult.withDrop(
        Status.UNAVAILABLE.withDescription(
            "circuit breaker open for "
                + what
                + target.service()
                + " in namespace "
                + target.namespace()
                + " (rule "
                + check.getRuleName()
                + ")"));
  }
}
