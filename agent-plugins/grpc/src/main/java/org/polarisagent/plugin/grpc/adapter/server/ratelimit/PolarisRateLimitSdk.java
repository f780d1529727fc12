package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import com.tencent.polaris.api.pojo.ServiceEventKey;
import com.tencent.polaris.api.pojo.ServiceRule;
import com.tencent.polaris.api.rpc.GetServiceRuleRequest;
import com.tencent.polaris.ratelimit.api.rpc.QuotaRequest;
import com.tencent.polaris.ratelimit.api.rpc.QuotaResponse;
import org.polarisagent.core.sdk.PolarisSdk;
import org.polarisagent.core.sdk.SdkApis;

/**
 * {@link RateLimitSdk} over the agent's one SDK context: its consumer API for rules, its LimitAPI
 * for quota.
 */
final class PolarisRateLimitSdk implements RateLimitSdk {

  private final PolarisSdk sdk;

  PolarisRateLimitSdk(PolarisSdk sdk) {
    this.sdk = sdk;
  }

  @Override
  public boolean ready() {
    return sdk.apisIfReady() != null;
  }

  @Override
  public String unavailableReason() {
    return sdk.unavailableReason();
  }

  @Override
  public ServiceRule rules(String namespace, String service) {
    GetServiceRuleRequest request = new GetServiceRuleRequest();
    request.setNamespace(namespace);
    request.setService(service);
    request.setRuleType(ServiceEventKey.EventType.RATE_LIMITING);
    return apis().consumer().getServiceRule(request).getServiceRule();
  }

  @Override
  public QuotaResponse quota(QuotaRequest request) {
    return apis().limit().getQuota(request);
  }

  private SdkApis apis() {
    SdkApis apis = sdk.apisIfReady();
    if (apis == null) {
      throw new IllegalStateException("the Polaris SDK is not running");
    }
    return apis;
  }
}
